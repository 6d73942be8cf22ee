"""The console's billing pages (decision 0038): payments, invoices / receipts / credit notes,
failed payments, dunning and plan subscriptions with filters and CSV / Excel exports; the plan
catalog editor; a business's plan panel (custom terms, confirming bank transfers). Every view
is staff_required; the services decide and log."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.analytics.exports import Cell, Table, write_csv, write_xlsx
from kazan.billing.plan_forms import PlanForm, PlanTermsForm
from kazan.billing.queries.invoices import invoices_for, unscoped_invoice_get
from kazan.billing.queries.plans import plan_subscription_get
from kazan.billing.queries.staff_billing import (
    StaffFilters,
    grace_ends,
    plan_get,
    plans_catalog,
    unscoped_dunning,
    unscoped_invoices_filtered,
    unscoped_payments_filtered,
    unscoped_subscriptions_filtered,
)
from kazan.billing.revenue.values import _major
from kazan.billing.services.manual_plans import invoice_payment_confirm
from kazan.billing.services.plan_catalog import plan_catalog_update
from kazan.billing.services.plan_changes import subscription_terms_set
from kazan.console import queries
from kazan.console.billing_forms import BillingFilterForm
from kazan.core.errors import KazanError
from kazan.tenancy.decorators import staff_required

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

PAGE_SIZE = 50


def _when(value: dt.datetime | None) -> dt.datetime | None:
    return value.astimezone(dt.UTC).replace(tzinfo=None, second=0, microsecond=0) if value else None


def _amount(minor: int, currency: str) -> Cell:
    return _major(minor, currency)


@dataclass(frozen=True)
class Tab:
    label: Any
    rows: Callable[[StaffFilters], QuerySet]
    headers: Callable[[], list[str]]
    cells: Callable[[Any], list[Cell]]


def _payment_headers() -> list[str]:
    return [
        _("Created (UTC)"),
        _("Paid (UTC)"),
        _("Business"),
        _("For"),
        _("Payment method"),
        _("Status"),
        _("Amount"),
        _("Currency"),
    ]


def _payment_cells(payment) -> list[Cell]:
    what = payment.invoice.number if payment.invoice_id else getattr(payment.package, "name", "")
    return [
        _when(payment.created_at),
        _when(payment.paid_at),
        payment.business.name,
        what,
        payment.gateway,
        payment.get_status_display(),
        _amount(payment.amount_minor, payment.currency),
        payment.currency,
    ]


def _invoice_headers() -> list[str]:
    return [
        _("Number"),
        _("Kind"),
        _("Issued (UTC)"),
        _("Paid (UTC)"),
        _("Business"),
        _("Status"),
        _("Net"),
        _("Tax"),
        _("Total"),
        _("Currency"),
        _("Payment method"),
    ]


def _invoice_cells(invoice) -> list[Cell]:
    return [
        invoice.number,
        invoice.get_kind_display(),
        _when(invoice.issued_at),
        _when(invoice.paid_at),
        invoice.business.name,
        invoice.get_status_display(),
        _amount(invoice.subtotal_minor, invoice.currency),
        _amount(invoice.tax_minor, invoice.currency),
        _amount(invoice.total_minor, invoice.currency),
        invoice.currency,
        invoice.gateway,
    ]


def _dunning_headers() -> list[str]:
    return [
        _("Business"),
        _("Plan"),
        _("Payment method"),
        _("Past due since (UTC)"),
        _("Reminders sent"),
        _("Grace ends (UTC)"),
    ]


def _dunning_cells(subscription) -> list[Cell]:
    return [
        subscription.business.name,
        _("%(plan)s (trial ended)") % {"plan": subscription.plan.name}
        if subscription.trial_ended
        else subscription.plan.name,
        subscription.gateway,
        _when(subscription.past_due_since),
        subscription.steps,
        _when(grace_ends(subscription)),
    ]


def _subscription_headers() -> list[str]:
    return [
        _("Business"),
        _("Plan"),
        _("Status"),
        _("Interval"),
        _("Price (net)"),
        _("Currency"),
        _("Payment method"),
        _("Trial ends (UTC)"),
        _("Period ends (UTC)"),
        _("Cancels at period end"),
    ]


def _subscription_cells(subscription) -> list[Cell]:
    return [
        subscription.business.name,
        subscription.plan.name,
        subscription.get_status_display(),
        subscription.get_interval_display(),
        _amount(subscription.amount_minor, subscription.currency),
        subscription.currency,
        subscription.gateway,
        _when(subscription.trial_ends_at),
        _when(subscription.current_period_end),
        subscription.cancel_at_period_end,
    ]


def _failed(filters: StaffFilters) -> QuerySet:
    return unscoped_payments_filtered(filters=replace(filters, status="failed"))


TABS: dict[str, Tab] = {
    "payments": Tab(
        gettext_lazy("Payments"),
        lambda f: unscoped_payments_filtered(filters=f),
        _payment_headers,
        _payment_cells,
    ),
    "invoices": Tab(
        gettext_lazy("Invoices, receipts, credit notes"),
        lambda f: unscoped_invoices_filtered(filters=f),
        _invoice_headers,
        _invoice_cells,
    ),
    "failed": Tab(gettext_lazy("Failed payments"), _failed, _payment_headers, _payment_cells),
    "dunning": Tab(
        gettext_lazy("Dunning"),
        lambda f: unscoped_dunning(filters=f),
        _dunning_headers,
        _dunning_cells,
    ),
    "subscriptions": Tab(
        gettext_lazy("Subscriptions"),
        lambda f: unscoped_subscriptions_filtered(filters=f),
        _subscription_headers,
        _subscription_cells,
    ),
}
EXPORT_FORMATS = {
    "csv": (write_csv, "text/csv; charset=utf-8"),
    "xlsx": (
        write_xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
}


def _export(tab_key: str, tab: Tab, rows: QuerySet, export_format: str) -> FileResponse:
    """The filtered list as a file, written to a temporary file a chunk at a time (constant
    memory) and streamed from there."""
    writer, content_type = EXPORT_FORMATS[export_format]

    def cells() -> Iterator[list[Cell]]:
        for row in rows.iterator(chunk_size=2000):
            yield tab.cells(row)

    table = Table(title=str(tab.label), headers=tab.headers(), rows=cells())
    folder = Path(tempfile.mkdtemp(prefix="kazan-billing-"))
    path = folder / f"billing-{tab_key}.{export_format}"
    try:
        writer(table, path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    handle = path.open("rb")
    shutil.rmtree(folder, ignore_errors=True)  # the open handle keeps the data until sent
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d")
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"billing-{tab_key}-{stamp}.{export_format}",
        content_type=content_type,
    )


@staff_required
@require_GET
def billing(request: HttpRequest) -> HttpResponse | FileResponse:
    tab_key = request.GET.get("tab", "payments")
    if tab_key not in TABS:
        tab_key = "payments"
    tab = TABS[tab_key]
    form = BillingFilterForm(request.GET or None, tab=tab_key)
    rows = tab.rows(form.filters())
    export_format = request.GET.get("format", "")
    if export_format in EXPORT_FORMATS and not form.errors:
        return _export(tab_key, tab, rows, export_format)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    if tab_key == "dunning":
        for subscription in page:
            subscription.grace_ends = grace_ends(subscription)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(
        request,
        "console/billing.html",
        {
            "tab": tab_key,
            "tabs": [(key, value.label) for key, value in TABS.items()],
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


# --- the plan catalog -------------------------------------------------------------------------


@staff_required
@require_GET
def plans(request: HttpRequest) -> HttpResponse:
    return render(request, "console/billing_plans.html", {"plans": plans_catalog()})


@staff_required
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = plan_get(plan_id=plan_id)
    form = PlanForm(request.POST or None, instance=plan)
    if request.method == "POST" and form.is_valid():
        try:
            changes = plan_catalog_update(
                plan=plan,
                fields=form.changed_fields(),
                prices=form.prices(),
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except KazanError as error:
            form.add_error(None, str(error.message))
        else:
            if changes:
                messages.success(request, _("The plan is saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect("console:billing_plans")
    return render(
        request,
        "console/billing_plan_edit.html",
        {"plan": plan, "form": form},
        status=400 if form.errors else 200,
    )


# --- a business's plan panel ------------------------------------------------------------------


def plan_panel(business: Business, terms_form: PlanTermsForm | None = None) -> dict[str, Any]:
    """The business page's plan panel: subscription, open invoices, the custom-terms form."""
    subscription = plan_subscription_get(business=business)
    initial: dict[str, Any] = {}
    if subscription is not None:
        initial = {
            "plan": subscription.plan_id,
            "interval": subscription.interval or "month",
            "amount": _major(subscription.amount_minor, subscription.currency),
            "currency": subscription.currency,
        }
    return {
        "plan_subscription": subscription,
        "plan_open_invoices": invoices_for(business=business).filter(kind="invoice", status="open")[
            :20
        ],
        "plan_terms_form": terms_form or PlanTermsForm(initial=initial),
    }


@staff_required
@require_POST
def business_plan_terms(request: HttpRequest, business_id: int) -> HttpResponse:
    business = queries.business_get(business_id=business_id)
    form = PlanTermsForm(request.POST)
    if form.is_valid():
        try:
            subscription_terms_set(
                business=business,
                plan=form.cleaned_data["plan"],
                amount_minor=form.amount_minor(),
                currency=form.cleaned_data["currency"],
                interval=form.cleaned_data["interval"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except KazanError as error:
            form.add_error(None, str(error.message))
        else:
            messages.success(request, _("The plan terms are saved."))
            return redirect("console:business_detail", business_id=business.pk)
    return render(
        request,
        "console/billing_terms.html",
        {"business": business, **plan_panel(business, form)},
        status=400,
    )


@staff_required
@require_POST
def invoice_confirm(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Staff: the bank transfer for this plan invoice arrived."""
    invoice = unscoped_invoice_get(invoice_id=invoice_id)
    try:
        invoice_payment_confirm(invoice=invoice, actor=request.user)
    except KazanError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("The payment of %(number)s is confirmed.") % {"number": invoice.number}
        )
    return redirect("console:business_detail", business_id=invoice.business_id)

"""The wallet pages of the business dashboard (under /dashboard/wallet/, namespace wallet): the
settings, every ledger entry (filters, CSV), the reconciliation of purchases with the gateway,
and the customer page's wallet actions (adjust the balance, grant premium). Thin: parse,
authorize (customers.view to look, wallet.adjust to change, settings.edit for the settings),
call a query or a service, render. Every row is read with request.business, so another
tenant's id is a 404."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.analytics.exports import csv_safe, local_naive
from kazan.billing.queries import gateway_account_configured
from kazan.core.errors import KazanError, NotFound
from kazan.core.paging import query_without_page
from kazan.customers.queries import customer_get
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest
from kazan.wallet import queries, services
from kazan.wallet.forms import AdjustForm, EntryFilterForm, GrantPremiumForm, WalletSettingsForm
from kazan.wallet.panels import wallet_panel_context

PAGE_SIZE = 50
# An open purchase older than this is listed as stale on the reconciliation page.
STALE_AFTER = dt.timedelta(hours=2)


@member_required("settings.edit")
@require_http_methods(["GET", "POST"])
def wallet_settings(request: BusinessRequest) -> HttpResponse:
    current = queries.wallet_settings_for(business=request.business)
    form = WalletSettingsForm(
        request.POST if request.method == "POST" else None,
        initial=WalletSettingsForm.initial_from(current),
    )
    if request.method == "POST" and form.is_valid():
        services.wallet_settings_save(
            business=request.business, data=form.settings_data(), actor=request.user
        )
        messages.success(request, _("The wallet settings are saved."))
        return redirect("wallet:settings")
    return render(
        request,
        "wallet/settings.html",
        {
            "form": form,
            "oxapay_connected": gateway_account_configured(
                business=request.business, gateway="oxapay"
            ),
            "can_billing": request.membership.can("billing.manage"),
        },
    )


def _entries(request: BusinessRequest, form: EntryFilterForm):
    if form.is_bound and not form.is_valid():
        return None
    data = form.cleaned_data if form.is_bound else {}
    return queries.token_entries_all(
        business=request.business,
        kind=data.get("kind") or "",
        customer_id=data.get("customer"),
        since=data.get("since"),
        until=data.get("until"),
    )


@member_required("customers.view")
@require_GET
def transactions(request: BusinessRequest) -> HttpResponse:
    form = EntryFilterForm(request.GET or None)
    entries = _entries(request, form)
    page = Paginator(entries if entries is not None else [], PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "wallet/transactions.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": request.membership.can("customers.export"),
        },
    )


@member_required("customers.export")
@require_GET
def transactions_export(request: BusinessRequest) -> HttpResponseBase:
    """The filtered entries as CSV, streamed (names and reasons neutralised against formula
    injection; times in the business's time zone)."""
    form = EntryFilterForm(request.GET or None)
    entries = _entries(request, form)
    if entries is None:
        messages.error(request, _("Some of the filters are not valid."))
        return redirect("wallet:transactions")
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    header = [
        _("Date"),
        _("Customer number"),
        _("Customer"),
        _("Type"),
        _("Tokens"),
        _("Balance after"),
        _("Reference"),
        _("Note"),
    ]

    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())

    def rows():
        yield writer.writerow(header)
        for entry in entries.iterator(chunk_size=2000):
            customer = entry.account.customer
            when = local_naive(entry.created_at, tz)
            yield writer.writerow(
                [
                    when.strftime("%Y-%m-%d %H:%M") if when else "",
                    customer.pk,
                    csv_safe(customer.name or ""),
                    entry.get_kind_display(),
                    entry.amount,
                    entry.balance_after,
                    csv_safe(entry.reference or ""),
                    csv_safe(entry.note),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="token-transactions.csv"'
    return response


@member_required("customers.view")
@require_GET
def reconciliation(request: BusinessRequest) -> HttpResponse:
    rows = queries.purchases_to_reconcile(
        business=request.business, stale_before=timezone.now() - STALE_AFTER
    )
    return render(
        request,
        "wallet/reconciliation.html",
        {"rows": rows, "can_adjust": request.membership.can("wallet.adjust")},
    )


# Lazy: built at import, translated in the request's language.
RECHECK_MESSAGES = {
    "applied": gettext_lazy("The gateway's answer was applied."),
    "unchanged": gettext_lazy("Nothing changed: the purchase agrees with the gateway."),
    "mismatch": gettext_lazy("The gateway reports a different amount: nothing was credited."),
    "unreachable": gettext_lazy("The gateway could not be reached. Please try again later."),
}


@member_required("wallet.adjust")
@require_POST
def purchase_recheck(request: BusinessRequest, purchase_id: int) -> HttpResponse:
    purchase = queries.token_purchase_get(business=request.business, pk=purchase_id)
    if purchase is None:
        raise NotFound()
    result = services.purchase_recheck(business=request.business, purchase=purchase)
    messages.info(request, str(RECHECK_MESSAGES.get(result, RECHECK_MESSAGES["unchanged"])))
    return redirect("wallet:reconciliation")


def _panel_answer(request: BusinessRequest, customer, **forms_with_errors) -> HttpResponse:
    """htmx: the wallet panel again (with a form's errors); else back to the customer page."""
    if request.htmx:
        context = wallet_panel_context(request, customer) or {}
        context.update(forms_with_errors)
        return render(request, "wallet/customer_panel.html", context)
    for form in forms_with_errors.values():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("customers:detail", customer_id=customer.pk)


@member_required("wallet.adjust")
@require_POST
def customer_adjust(request: BusinessRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(business=request.business, customer_id=customer_id)
    form = AdjustForm(request.POST)
    if form.is_valid():
        try:
            services.tokens_adjust(
                business=request.business,
                customer=customer,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=request.user,
            )
        except KazanError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The balance is changed."))
            return _panel_answer(request, customer)
    return _panel_answer(request, customer, adjust_form=form)


@member_required("wallet.adjust")
@require_POST
def customer_premium(request: BusinessRequest, customer_id: int) -> HttpResponse:
    customer = customer_get(business=request.business, customer_id=customer_id)
    form = GrantPremiumForm(request.POST)
    if form.is_valid():
        services.premium_grant(
            business=request.business,
            customer=customer,
            days=form.cleaned_data["days"],
            actor=request.user,
        )
        messages.success(request, _("Premium is granted."))
        return _panel_answer(request, customer)
    return _panel_answer(request, customer, premium_form=form)

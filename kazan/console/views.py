"""Pages of the platform console. Thin: parse, authorize (staff_required on every view), call a
query or service, render. Business members get a 404 on each of them, like a missing page."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.accounts.queries import user_by_email
from kazan.activity.queries import activity_list
from kazan.billing import queries as billing_queries
from kazan.billing import revenue
from kazan.billing.queries.limits import limit_labels, plan_usage
from kazan.billing.queries.plans import plan_by_key, plan_subscription_get, plan_terms
from kazan.billing.services import bank_details_update, subscription_terms_change
from kazan.billing.services.limits import plan_overrides_set
from kazan.console import charts, queries, services
from kazan.console.billing_views import plan_panel
from kazan.console.error_codes import ConsoleErrorCode
from kazan.console.forms import (
    ActivityFilterForm,
    AlertFilterForm,
    AlertSettingsForm,
    BankDetailsForm,
    BusinessCreateForm,
    BusinessSearchForm,
    CreditsForm,
    PlanLimitsForm,
    StatusForm,
    TermsForm,
)
from kazan.core.errors import InsufficientCredits, KazanError, ValidationFailed
from kazan.core.paging import query_without_page
from kazan.dashboard.queries import CHAT_TILES
from kazan.messaging.queries import ledger_entries, sms_balance
from kazan.messaging.services import sms_credits_adjust
from kazan.tenancy.decorators import staff_required
from kazan.tenancy.queries import invitations_pending, team_members
from kazan.tenancy.services import business_create, business_status_change

if TYPE_CHECKING:
    from kazan.activity.models import Activity
    from kazan.tenancy.models import Business


@staff_required
@require_http_methods(["GET", "POST"])
def overview(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # "refresh now"
        queries.overview_stats(refresh=True)
        messages.success(request, _("The figures were recalculated."))
        return redirect("console:overview")
    stats = queries.overview_stats()
    money = revenue.revenue_overview()
    return render(
        request,
        "console/overview.html",
        {
            "businesses": queries.business_counts(),
            "stats": stats,
            "computed_at": dt.datetime.fromisoformat(stats["computed_at"]),
            "revenue": money,
            "alerts": list(queries.alerts_open()[:5]),
            "charts": charts.overview_charts(stats=stats, money=money),
            "widget_tiles": _widget_tiles(stats["widget_month"], stats["widget_previous"]),
            "top_lists": [
                (_("By interactions"), stats["top_interactions"], "interactions"),
                (_("By reviews"), stats["top_reviews"], "reviews"),
                (_("By redeemed vouchers"), stats["top_redeemed"], "redeemed"),
            ],
        },
    )


def _widget_tiles(now: dict[str, int], before: dict[str, int]) -> list[dict[str, object]]:
    """The website widget's figures as the dashboard labels them: kind, label, hint, the count
    and the one compared with (the same days of last month, or all time)."""
    return [
        {
            "kind": kind.value,
            "label": label,
            "hint": hint,
            "count": now[kind],
            "other": before[kind],
        }
        for kind, (label, hint) in CHAT_TILES.items()
    ]


# --- businesses --------------------------------------------------------------------------------


@staff_required
@require_GET
def businesses(request: HttpRequest) -> HttpResponse:
    form = BusinessSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = queries.business_search(
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        inactive_days=queries.inactive_after_days(),
    )
    page = Paginator(found, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/businesses.html",
        {
            "form": form,
            "page": page,
            "rows": queries.business_rows(list(page.object_list)),
            "query": query_without_page(request),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def business_new(request: HttpRequest) -> HttpResponse:
    form = BusinessCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            business, issued = business_create(
                slug=data["slug"],
                name=data["name"],
                owner_email=data["owner_email"],
                actor=request.user,
                **form.profile(),
            )
        except KazanError as exc:
            form.add_error(None, str(exc.message))
        else:
            if issued is None:
                messages.success(request, _("The business was created; its owner was added."))
            else:
                messages.success(
                    request,
                    _("The business was created and its owner invited by email: %(url)s")
                    % {"url": issued.accept_url},
                )
            return redirect("console:business_detail", business_id=business.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "console/business_new.html", {"form": form}, status=status)


def _business_page(request, business: Business, forms: dict | None = None, status: int = 200):
    package = billing_queries.package_overview(business=business)
    forms = forms or {}
    context = {
        "business": business,
        "numbers": queries.business_numbers(business=business),
        "widget_tiles": _widget_tiles(*queries.business_widget_numbers(business=business)),
        "package": package,
        "terms_changes": billing_queries.subscription_changes_for(business=business)[:20],
        "credit_entries": ledger_entries(business=business).order_by("-created_at", "-pk")[:10],
        "payments": billing_queries.payments_for(business=business)[:10],
        "team": team_members(business=business),
        "invitations": invitations_pending(business=business),
        "alerts": queries.alert_list(state="all").filter(business=business)[:10],
        "activity": activity_list(business=business)[:10],
        "terms_form": forms.get("terms")
        or TermsForm.for_terms(
            sms_allowance=package.sms_allowance,
            price_minor=package.price_minor,
            currency=package.currency,
        ),
        "credits_form": forms.get("credits") or CreditsForm(),
        "status_form": forms.get("status") or StatusForm(),
        "plan_usage": _usage_rows(business),
        "plan_limits_form": forms.get("plan_limits") or _plan_limits_form(business),
        "export_formats": [("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF")],
        **plan_panel(business),
    }
    return render(request, "console/business_detail.html", context, status=status)


def _usage_rows(business: Business) -> list[tuple[str, int, int | None]]:
    """(name, used, limit) of each of the business's limits, for the plan limits card."""
    labels = limit_labels()
    return [(labels[usage.key], usage.used, usage.limit) for usage in plan_usage(business=business)]


@staff_required
@require_GET
def business_detail(request: HttpRequest, business_id: int) -> HttpResponse:
    return _business_page(request, queries.business_get(business_id=business_id))


def _business_form_post(request, business_id: int, make_form, key: str, apply) -> HttpResponse:
    """The business page's small forms: valid → the service, then back to the page with a
    message; invalid (or refused by the service) → the page again with the error, status 400."""
    business = queries.business_get(business_id=business_id)
    form = make_form(business, request.POST)
    if form.is_valid():
        try:
            message = apply(business, form)
        except KazanError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, message)
            return redirect("console:business_detail", business_id=business.pk)
    return _business_page(request, business, forms={key: form}, status=400)


@staff_required
@require_POST
def business_terms(request: HttpRequest, business_id: int) -> HttpResponse:
    def apply(business, form):
        changes = subscription_terms_change(
            business=business,
            sms_allowance=form.cleaned_data["sms_allowance"],
            price_minor=form.price_minor(),
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        return _("The package terms were changed.") if changes else _("Nothing was changed.")

    def make_form(business, data):
        currency = billing_queries.package_overview(business=business).currency
        return TermsForm(data, currency=currency)

    return _business_form_post(request, business_id, make_form, "terms", apply)


@staff_required
@require_POST
def business_credits(request: HttpRequest, business_id: int) -> HttpResponse:
    def apply(business, form):
        try:
            sms_credits_adjust(
                business=business,
                amount=form.cleaned_data["amount"],
                actor=request.user,
                note=form.cleaned_data["reason"],
            )
        except InsufficientCredits:
            # The ledger's own message asks the business to top up; staff need the limit.
            balance = sms_balance(business=business)
            raise ValidationFailed(
                ngettext(
                    "This business has only %(count)s credit; you can remove at most %(count)s.",
                    "This business has only %(count)s credits; you can remove at most %(count)s.",
                    balance,
                )
                % {"count": number_format(balance, force_grouping=True)},
                code=ConsoleErrorCode.TOO_FEW_CREDITS,
            ) from None
        return _("The SMS credits were adjusted.")

    return _business_form_post(
        request, business_id, lambda _business, data: CreditsForm(data), "credits", apply
    )


def _plan_limits_form(business: Business, data=None) -> PlanLimitsForm:
    """Reads only (a GET must not start a trial): without a subscription yet, the trial
    plan's default terms and no overrides."""
    subscription = plan_subscription_get(business=business)
    plan = (
        subscription.plan
        if subscription is not None
        else plan_by_key(key=settings.BILLING_TRIAL_PLAN)
    )
    return PlanLimitsForm(
        data,
        labels=limit_labels(),
        plan=plan_terms(plan=plan) if plan is not None else {},
        overrides=subscription.limit_overrides if subscription is not None else {},
    )


@staff_required
@require_POST
def business_plan_limits(request: HttpRequest, business_id: int) -> HttpResponse:
    """Staff's custom limits for one business (they win over its plan's; logged with why)."""

    def apply(business, form):
        plan_overrides_set(
            business=business,
            overrides=form.overrides(),
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
        return _("The plan limits were saved.")

    return _business_form_post(request, business_id, _plan_limits_form, "plan_limits", apply)


@staff_required
@require_POST
def business_status(request: HttpRequest, business_id: int) -> HttpResponse:
    def apply(business, form):
        status = form.cleaned_data["status"]
        business_status_change(
            business=business, status=status, reason=form.cleaned_data["reason"], actor=request.user
        )
        if status == business.Status.SUSPENDED:
            return _("The business is suspended. Its landing page says it is unavailable.")
        return _("The business is active again.")

    return _business_form_post(
        request, business_id, lambda _business, data: StatusForm(data), "status", apply
    )


# --- activity log --------------------------------------------------------------------------------


@staff_required
@require_GET
def activity(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    entries: list[Activity] = []
    has_next, page_number, nobody = False, 1, False
    status = 200
    export_query = ""
    if request.GET and not form.is_valid():
        status = 400  # the page again, each wrong field with its message
    else:
        data = form.cleaned_data if request.GET else {}
        actor = user_by_email(email=data.get("actor") or "")
        nobody = bool(data.get("actor") and actor is None)
        page_number = data.get("page") or 1
        export_query = form.export_query() if request.GET else ""
        if not nobody:
            entries, has_next = queries.activity_page(
                business=form.business_obj,
                actor_id=actor.pk if actor else None,
                actor_kind=data.get("actor_kind") or "",
                action=data.get("action") or "",
                since=data.get("since_dt"),
                until=data.get("until_dt"),
                page=page_number,
            )
    return render(
        request,
        "console/activity.html",
        {
            "form": form,
            "entries": entries,
            "page_number": page_number,
            "has_next": has_next,
            "query": query_without_page(request),
            "export_query": export_query,
            "nothing_matches": nobody,
        },
        status=status,
    )


@staff_required
@require_GET
def business_options(request: HttpRequest) -> HttpResponse:
    """The business picker's suggestions (htmx fills its <datalist>): name and address search."""
    search = request.GET.get("business") or request.GET.get("q") or ""
    return render(
        request,
        "console/business_options.html",
        {"options": queries.business_options(search[:120])},
    )


# --- alerts ------------------------------------------------------------------------------------


@staff_required
@require_GET
def alerts(request: HttpRequest) -> HttpResponse:
    form = AlertFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = queries.alert_list(state=filters.get("state") or "open", kind=filters.get("kind", ""))
    page = Paginator(found, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/alerts.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "settings_form": AlertSettingsForm(
                initial={"inactive_after_days": queries.inactive_after_days()}
            ),
        },
    )


@staff_required
@require_POST
def alert_resolve(request: HttpRequest, alert_id: int) -> HttpResponse:
    alert = queries.alert_get(alert_id=alert_id)
    if services.alert_resolve(alert=alert, actor=request.user):
        messages.success(request, _("The alert was marked as handled."))
    return redirect("console:alerts")


@staff_required
@require_POST
def alert_settings(request: HttpRequest) -> HttpResponse:
    form = AlertSettingsForm(request.POST)
    if form.is_valid():
        services.console_settings_update(
            inactive_after_days=form.cleaned_data["inactive_after_days"], actor=request.user
        )
        messages.success(request, _("The alert settings were saved."))
        return redirect("console:alerts")
    page = Paginator(queries.alert_list(state="open"), queries.PAGE_SIZE).get_page(1)
    return render(
        request,
        "console/alerts.html",
        {"form": AlertFilterForm(), "page": page, "settings_form": form, "query": ""},
        status=400,
    )


# --- the platform's bank details ----------------------------------------------------------------

_BANK_FIELD_OF_CODE = {
    "invalid_recipient": "recipient",
    "invalid_iban": "iban",
    "invalid_bic": "bic",
    "invalid_bank_name": "bank_name",
    "invalid_address": "address",
}


@staff_required
@require_http_methods(["GET", "POST"])
def bank_details(request: HttpRequest) -> HttpResponse:
    """Where businesses transfer manual payments: shown on their payment page and emailed to
    them as a pro-forma invoice."""
    current = billing_queries.bank_details()
    if request.method == "POST":
        form = BankDetailsForm(request.POST)
        if form.is_valid():
            try:
                bank_details_update(**form.cleaned_data, actor=request.user)
            except KazanError as exc:
                form.add_error(_BANK_FIELD_OF_CODE.get(exc.code), str(exc.message))
            else:
                messages.success(request, _("The bank details were saved."))
                return redirect("console:bank_details")
    else:
        initial = {}
        if current is not None:
            initial = {
                "recipient": current.recipient,
                "iban": current.iban_formatted,
                "bic": current.bic,
                "bank_name": current.bank_name,
                "address": current.address,
            }
        form = BankDetailsForm(initial=initial)
    return render(
        request,
        "console/bank_details.html",
        {"form": form, "current": current},
        status=400 if request.method == "POST" else 200,
    )

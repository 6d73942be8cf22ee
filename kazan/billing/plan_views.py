"""The business's plan pages (decision 0038): the plan card on the billing overview, the plan
comparison with subscribe / upgrade / downgrade, cancel at period end, resume, withdraw a
scheduled downgrade and the gateway's customer portal. Thin: the lifecycle services decide;
changes need billing.manage, every member reads."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import gateway_get, subscription_gateway_get
from kazan.billing.models import Interval, SubscriptionStatus
from kazan.billing.queries import bank_details
from kazan.billing.queries.invoices import MANUAL_GATEWAYS, invoices_for
from kazan.billing.queries.limits import downgrade_blockers, plan_usage
from kazan.billing.queries.plan_pages import (
    COMPARISON_ROWS,
    LIMIT_LABELS,
    PAID_STATUSES,
    amount_due,
    gateway_held,
    invoices_open,
    never_paid,
    plan_changeable,
    plan_options,
    trial_days_left,
    usage_bars,
)
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.plan_changes import plan_change, plan_change_withdraw
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_cancel,
    subscription_checkout_start,
    subscription_gateways_available,
    subscription_portal_url,
    subscription_resume,
)
from kazan.billing.services.tax import gross_for
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.core.money import money_format
from kazan.tenancy.decorators import member_required

if TYPE_CHECKING:
    from kazan.tenancy.http import BusinessRequest
    from kazan.tenancy.models import Business

INVOICES_SHOWN = 24


def gateway_form_action_allow(response: HttpResponse, origin: str) -> HttpResponse:
    """A form whose POST is answered with a redirect to a gateway's hosted page: CSP's
    form-action also covers that redirect, so the page allows the gateway's origin."""
    if origin:
        # SECURE_CSP maps each directive to its list of sources (kazan/settings.py).
        csp = cast("dict[str, list[str]]", settings.SECURE_CSP)
        config = {key: list(value) for key, value in csp.items()}
        config["form-action"] = [*config.get("form-action", []), *origin.split()]
        response._csp_config = config  # type: ignore[attr-defined]  # read by the CSP middleware
    return response


def _gateway_origins(keys: list[str]) -> str:
    """The hosted pages' origins of the offered gateways (all configured: they are the
    available ones), for the plans page's form-action."""
    origins = (getattr(gateway_get(key), "checkout_origin", "") for key in keys)
    return " ".join(origin for origin in origins if origin)


def portal_origin(subscription) -> str:
    """The origin of the subscription's gateway's customer portal, which billing:portal
    redirects to ("" without one: bank transfer, Razorpay, a gateway no longer configured)."""
    if subscription.gateway in MANUAL_GATEWAYS:
        return ""
    try:
        return subscription_gateway_get(subscription.gateway).portal_origin
    except ImproperlyConfigured:
        return ""


def plan_overview_context(*, business: Business) -> dict[str, Any]:
    """The plan part of the billing overview: card, usage bars, next charge, invoices and the
    payment method."""
    subscription = plan_subscription_for(business)
    status = subscription.status
    language = business.language
    next_charge = None
    # Charged next: an active plan, or a trial a gateway holds (never a past-due one).
    charging = status == SubscriptionStatus.ACTIVE or (
        status == SubscriptionStatus.TRIALING and gateway_held(subscription)
    )
    if (
        charging
        and not subscription.cancel_at_period_end
        and subscription.current_period_end is not None
    ):
        net = (
            subscription.pending_price.amount_minor
            if subscription.pending_price_id and subscription.pending_price
            else subscription.amount_minor
        )
        next_charge = {
            "at": subscription.current_period_end,
            "amount": money_format(
                gross_for(business=business, net_minor=net), subscription.currency, language
            ),
        }
    due = amount_due(business=business, currency=subscription.currency)
    origin = portal_origin(subscription)
    return {
        "subscription": subscription,
        "trial_ended": never_paid(subscription),
        "portal_origin": origin,
        "has_portal": bool(subscription.gateway_customer_id and origin),
        "plan": subscription.plan,
        "trial_days_left": trial_days_left(subscription=subscription),
        "usage": usage_bars(plan_usage(business=business)),
        "next_charge": next_charge,
        "amount_due": money_format(due, subscription.currency, language) if due else "",
        "open_invoice": invoices_open(business=business).first() if due else None,
        "invoices": invoices_for(business=business)[:INVOICES_SHOWN],
        "bank": bank_details() if subscription.gateway == "manual" else None,
        "changeable": plan_changeable(subscription),
        # A paid plan, or a trial a gateway holds, can be cancelled at the period's end.
        "cancellable": not subscription.cancel_at_period_end
        and (status in PAID_STATUSES or plan_changeable(subscription)),
    }


def _interval(request: BusinessRequest, subscription) -> str:
    interval = request.GET.get("interval") or request.POST.get("interval")
    if interval in Interval.values:
        return interval
    return subscription.interval or Interval.MONTH


@member_required()
@require_GET
def plans(request: BusinessRequest) -> HttpResponse:
    """The plan comparison: every limit per plan, monthly or yearly, the gateways to pay with
    and what choosing a plan does (subscribe, upgrade now, downgrade at the period's end)."""
    business = request.business
    subscription = plan_subscription_for(business)
    interval = _interval(request, subscription)
    gateways = subscription_gateways_available()
    options = plan_options(
        business=business,
        subscription=subscription,
        interval=interval,
        currency=subscription.currency,
    )
    context = {
        "subscription": subscription,
        "interval": interval,
        "intervals": Interval.choices,
        "options": options,
        "rows": [
            (key, label, [option.value(key) for option in options])
            for key, label in COMPARISON_ROWS
        ],
        "prices": {
            option.plan.pk: money_format(
                option.price.amount_minor, option.price.currency, business.language
            )
            for option in options
            if option.price is not None
        },
        "gateways": gateways,
        "can_manage": request.membership.can("billing.manage"),
    }
    response = render(request, "billing/plans.html", context)
    return gateway_form_action_allow(response, _gateway_origins(gateways))


def _redirect_to_gateway(request: BusinessRequest, url: str) -> HttpResponse:
    if urlsplit(url).scheme not in ("https", "http"):
        raise Conflict(_("The payment provider answered with an unusable address."))
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@member_required("billing.manage")
@require_POST
def plan_choose(request: BusinessRequest) -> HttpResponse:
    """Subscribe (checkout at the chosen gateway), or change a paid plan: an upgrade applies now
    with proration, a downgrade at the period's end — refused while usage is above the lower
    plan's limits, naming them."""
    business = request.business
    subscription = plan_subscription_for(business)
    plan = plan_by_key(key=request.POST.get("plan", ""))
    if plan is None or not plan.active or not plan.public:
        raise NotFound(_("This plan cannot be chosen."))
    interval = _interval(request, subscription)
    if plan_changeable(subscription):
        try:
            result = plan_change(
                business=business, plan=plan, interval=interval, actor=request.user
            )
        except ValidationFailed as error:
            if error.code != BillingErrorCode.DOWNGRADE_BLOCKED:
                messages.error(request, str(error.message))
                return redirect("billing:plans")
            return _plan_refused(request, plan, error)
        messages.success(request, result.message or _("Your plan change is saved."))
        return redirect("billing:overview")
    gateway_key = request.POST.get("gateway", "")
    if gateway_key not in subscription_gateways_available():
        raise ValidationFailed(_("Choose how you want to pay."))
    started = subscription_checkout_start(
        business=business, plan=plan, interval=interval, gateway_key=gateway_key, actor=request.user
    )
    if started.redirect_url:
        return _redirect_to_gateway(request, started.redirect_url)
    messages.success(
        request,
        _("Your invoice is issued. Your plan is active as soon as we have received the transfer."),
    )
    return redirect("billing:overview")


def _plan_refused(request: BusinessRequest, plan, error: ValidationFailed) -> HttpResponse:
    """The downgrade is refused: the page names what is above the lower plan's limits."""
    blockers = [
        {
            "label": str(LIMIT_LABELS.get(usage.key, usage.key)),
            "used": usage.used,
            "limit": usage.limit,
        }
        for usage in downgrade_blockers(business=request.business, plan=plan)
    ]
    return render(
        request,
        "billing/plan_refused.html",
        {"plan": plan, "message": str(error.message), "blockers": blockers},
        status=400,
    )


@member_required("billing.manage")
@require_POST
def downgrade_withdraw(request: BusinessRequest) -> HttpResponse:
    plan_change_withdraw(business=request.business, actor=request.user)
    messages.success(request, _("The scheduled plan change is withdrawn."))
    return redirect("billing:overview")


@member_required("billing.manage")
@require_http_methods(["GET", "POST"])
def cancel(request: BusinessRequest) -> HttpResponse:
    """Cancel at the period's end, after a confirmation page (nothing is deleted)."""
    subscription = plan_subscription_for(request.business)
    if request.method == "POST":
        subscription_cancel(
            business=request.business,
            actor=request.user,
            reason=request.POST.get("reason", "").strip()[:500],
        )
        messages.success(request, _("Your plan is cancelled at the end of the period."))
        return redirect("billing:overview")
    return render(request, "billing/cancel.html", {"subscription": subscription})


@member_required("billing.manage")
@require_POST
def resume(request: BusinessRequest) -> HttpResponse:
    subscription_resume(business=request.business, actor=request.user)
    messages.success(request, _("Your plan continues: the cancellation is withdrawn."))
    return redirect("billing:overview")


@member_required("billing.manage")
@require_POST
def portal(request: BusinessRequest) -> HttpResponse:
    """The gateway's own page for the card and invoices (Stripe's customer portal)."""
    url = subscription_portal_url(
        business=request.business,
        return_url=request.build_absolute_uri(reverse("billing:overview")),
    )
    if not url:
        messages.error(request, _("Your payment method cannot be managed online."))
        return redirect("billing:overview")
    return _redirect_to_gateway(request, url)

"""A business's plan subscription: its trial (made on first need), subscribing through a
gateway's checkout or by bank transfer, cancelling at the period's end and resuming. Changing
plan: plan_changes; the gateways' events: plan_events; transfers and renewals: manual_plans;
reminders and suspension: dunning (decision 0034).

Gateways are called outside any transaction: a slow provider never holds a row lock."""

from __future__ import annotations

import logging
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import (
    GatewayError,
    SubscriptionCheckoutRequest,
    SubscriptionGateway,
    subscription_gateway_get,
)
from kazan.billing.models import (
    GatewayPlanPrice,
    Invoice,
    Plan,
    PlanChange,
    PlanPrice,
    PlanSubscription,
    SubscriptionStatus,
)
from kazan.billing.queries.plans import plan_by_key, plan_subscription_get, trial_end_for
from kazan.billing.services.manual_plans import manual_checkout_start
from kazan.billing.services.payments import PaymentGatewayUnavailable
from kazan.billing.services.plan_state import plan_description, plan_log, subscription_locked
from kazan.billing.services.tax import gross_for
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, KazanError, ValidationFailed
from kazan.tenancy.queries import owner_emails

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")

Status = SubscriptionStatus
Kind = PlanChange.Kind
MANUAL = "manual"
# Statuses in which a subscription runs (and can be cancelled or changed).
LIVE_STATUSES = (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)
# The Razorpay gateway's GatewayError code for a resume it cannot do.
RESUME_UNSUPPORTED = "razorpay_resume_unsupported"


@dataclass(frozen=True)
class SubscriptionStarted:
    # Where the payer authorises the card or mandate; "" for a bank transfer.
    redirect_url: str
    # The open invoice to pay by transfer (manual); None for a gateway.
    invoice: Invoice | None


def plan_subscription_for(business: Business) -> PlanSubscription:
    """The business's plan subscription; the first call starts its trial (settings'
    BILLING_TRIAL_PLAN for BILLING_TRIAL_DAYS from now), logged once however many race."""
    existing = plan_subscription_get(business=business)
    if existing is not None:
        return existing
    plan = plan_by_key(key=settings.BILLING_TRIAL_PLAN)
    if plan is None:
        raise LookupError(f"The trial plan {settings.BILLING_TRIAL_PLAN!r} does not exist.")
    trial_ends_at = trial_end_for(start=timezone.now(), days=settings.BILLING_TRIAL_DAYS)
    with transaction.atomic():
        subscription, inserted = insert_or_fetch(
            lambda: PlanSubscription.objects.create(
                business=business,
                plan=plan,
                status=SubscriptionStatus.TRIALING,
                currency=business.currency or "EUR",
                trial_ends_at=trial_ends_at,
            ),
            lambda: PlanSubscription.objects.filter(business=business).first(),
        )
        if inserted:
            PlanChange.objects.create(
                business=business,
                subscription=subscription,
                kind=PlanChange.Kind.TRIAL_STARTED,
                new_value=plan.key,
                reason="new business",
                changed_at=subscription.created_at,
            )
            activity_record(
                business=business,
                actor=None,
                action="plan.trial_started",
                target=subscription,
                data={
                    "plan": plan.key,
                    "trial_ends_at": trial_ends_at.date().isoformat(),
                },
            )
    subscription.plan = plan if inserted else subscription.plan
    return subscription


# --- gateways ----------------------------------------------------------------------------------


def subscription_gateways_available() -> list[str]:
    """The gateways of BILLING_GATEWAYS a business may subscribe through now: "manual" (bank
    transfer) always, the others when configured and able to hold a subscription."""
    keys = []
    for key in settings.BILLING_GATEWAYS:
        if key == MANUAL:
            keys.append(key)
            continue
        try:
            subscription_gateway_get(key)
        except ImproperlyConfigured:
            continue
        keys.append(key)
    return keys


def subscription_gateway(key: str) -> SubscriptionGateway:
    """The recurring gateway `key`; PaymentGatewayUnavailable (503, a clear message) when it is
    not configured or cannot hold a subscription."""
    try:
        return subscription_gateway_get(key)
    except ImproperlyConfigured as exc:
        logger.error("subscription gateway %s is unavailable: %s", key, exc)
        raise PaymentGatewayUnavailable() from exc


def gateway_failure(exc: GatewayError) -> KazanError:
    """What a refused gateway call tells the business: try again later when it could not be
    reached (503), else that the provider refused (409, with its code)."""
    logger.warning("subscription gateway call failed: %s (%s)", exc.message, exc.code)
    if exc.transient:
        return PaymentGatewayUnavailable()
    return Conflict(
        _("The payment provider refused this change. Please contact us."),
        code=BillingErrorCode.GATEWAY_ERROR,
    )


def gateway_price_id(
    *, business: Business, gateway: SubscriptionGateway, price: PlanPrice
) -> tuple[str, int]:
    """The gateway's price object charging `price` gross for this business (tax included, as
    invoices' gross_for says), made once per gross amount and kept in GatewayPlanPrice.
    Returns (external id, gross). Outside any transaction (it may call the gateway)."""
    gross = gross_for(business=business, net_minor=price.amount_minor)
    known = GatewayPlanPrice.objects.filter(
        gateway=gateway.key, plan_price=price, amount_minor=gross
    ).first()
    if known is not None:
        return known.external_id, gross
    try:
        external_id = gateway.price_ensure(
            plan_price_id=price.pk,
            plan_key=price.plan.key,
            plan_name=price.plan.name,
            interval=price.interval,
            currency=price.currency,
            amount_minor=gross,
        )
    except GatewayError as exc:
        raise gateway_failure(exc) from exc
    row, _inserted = insert_or_fetch(
        lambda: GatewayPlanPrice.objects.create(
            gateway=gateway.key, plan_price=price, amount_minor=gross, external_id=external_id
        ),
        lambda: GatewayPlanPrice.objects.filter(
            gateway=gateway.key, plan_price=price, amount_minor=gross
        ).first(),
    )
    return row.external_id, gross


def plan_price_for(*, plan: Plan, interval: str, currency: str) -> PlanPrice:
    """The active price of a plan offered for self-service; ValidationFailed otherwise
    (Enterprise is given by staff: subscription_terms_set)."""
    currency = currency.upper()
    if not PlanPrice.objects.filter(currency=currency, active=True, plan__active=True).exists():
        # No plan is priced in the business's currency: the platform's prices apply (the
        # plans page shows the same, kazan.billing.queries.plan_pages.offered_currency).
        currency = settings.PLATFORM_CURRENCY
    price = (
        PlanPrice.objects.select_related("plan")
        .filter(plan=plan, interval=interval, currency=currency, active=True)
        .first()
        if plan.active and plan.public
        else None
    )
    if price is None:
        raise ValidationFailed(
            _("This plan cannot be chosen here. Contact us for custom terms."),
            code=BillingErrorCode.PLAN_UNAVAILABLE,
        )
    return price


def billing_url(name: str = "billing:plans") -> str:
    """The dashboard's billing page (the plans page, or the overview until it exists)."""
    try:
        path = reverse(name)
    except NoReverseMatch:
        path = reverse("billing:overview")
    return settings.PUBLIC_URL + path


# --- subscribing ------------------------------------------------------------------------------


def subscription_checkout_start(
    *, business: Business, plan: Plan, interval: str, gateway_key: str, actor: Actor
) -> SubscriptionStarted:
    """Starts paying for `plan`. Stripe/Razorpay: the gateway's checkout (what is left of the
    trial stays free); the plan becomes ours when its webhook says so. Manual: an open invoice
    with the platform's bank details and a payment reference; the status stays as it is
    (trialing, past due) until staff confirm the transfer. Raises ValidationFailed (plan or
    gateway not offered), Conflict (subscribed already, an invoice still open),
    PaymentGatewayUnavailable."""
    subscription = plan_subscription_for(business)
    if gateway_key not in subscription_gateways_available():
        raise ValidationFailed(
            _("This payment method is not available."), code=BillingErrorCode.INVALID_GATEWAY
        )
    price = plan_price_for(plan=plan, interval=interval, currency=subscription.currency)
    if _gateway_live(subscription):
        raise Conflict(
            _("You already have a subscription with %(gateway)s; change the plan instead.")
            % {"gateway": gateway_name(subscription.gateway)},
            code=BillingErrorCode.ALREADY_SUBSCRIBED,
        )
    # Paying already by transfer (a past-due card is updated in the gateway's portal).
    if subscription.status == Status.ACTIVE:
        raise Conflict(
            _("You are subscribed already: change your plan instead."),
            code=BillingErrorCode.ALREADY_SUBSCRIBED,
        )
    _abandoned_checkout_cancel(subscription)
    if gateway_key == MANUAL:
        invoice = manual_checkout_start(subscription=subscription, price=price, actor=actor)
        return SubscriptionStarted(redirect_url="", invoice=invoice)
    gateway = subscription_gateway(gateway_key)
    price_id, gross = gateway_price_id(business=business, gateway=gateway, price=price)
    now = timezone.now()
    trial_left = subscription.status == Status.TRIALING and (
        subscription.trial_ends_at is not None and subscription.trial_ends_at > now
    )
    emails = owner_emails(business=business)
    try:
        result = gateway.subscription_checkout_start(
            SubscriptionCheckoutRequest(
                subscription_id=subscription.pk,
                business_id=business.pk,
                plan_key=plan.key,
                interval=price.interval,
                price_id=price_id,
                amount_minor=gross,
                currency=price.currency,
                description=plan_description(business=business, price=price),
                customer_id=(
                    subscription.gateway_customer_id if subscription.gateway == gateway.key else ""
                ),
                customer_email=emails[0] if emails else "",
                success_url=billing_url("billing:overview") + "?subscribed=1",
                cancel_url=billing_url(),
                # Stable for a minute: a double click opens one checkout, not two.
                idempotency_key=f"kazan-plan-{subscription.pk}-{price_id}-{now:%Y%m%d%H%M}",
                trial_end=subscription.trial_ends_at if trial_left else None,
                metadata={"subscription_id": str(subscription.pk), "business_id": str(business.pk)},
            )
        )
    except GatewayError as exc:
        raise gateway_failure(exc) from exc
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if result.gateway_subscription_id and locked.status not in (Status.ACTIVE,):
            # Razorpay names the subscription at once: its events find the row by it.
            locked.gateway = gateway.key
            locked.gateway_subscription_id = result.gateway_subscription_id
            locked.gateway_customer_id = result.gateway_customer_id or locked.gateway_customer_id
            locked.save(
                update_fields=[
                    "gateway",
                    "gateway_subscription_id",
                    "gateway_customer_id",
                    "updated_at",
                ]
            )
        activity_record(
            business=business,
            actor=actor,
            action="plan.checkout_started",
            target=locked,
            data={
                "plan": plan.key,
                "interval": price.interval,
                "gateway": gateway.key,
                "amount_minor": gross,
                "currency": price.currency,
            },
        )
    return SubscriptionStarted(redirect_url=result.redirect_url, invoice=None)


# --- cancelling, resuming, the portal ---------------------------------------------------------


def _held_by_gateway(subscription: PlanSubscription) -> bool:
    return bool(subscription.gateway_subscription_id) and subscription.gateway != MANUAL


def gateway_name(key: str) -> str:
    return {"stripe": "Stripe", "razorpay": "Razorpay"}.get(key, key.title())


def _gateway_live(subscription: PlanSubscription) -> bool:
    """Whether a gateway holds a subscription that charges, or will when the trial ends: a
    new checkout would charge twice. Active or past due at a gateway counts; a trial counts
    once the gateway confirmed it (its event named the price it charges: a Stripe
    subscription, a Razorpay mandate authenticated). A checkout started but never completed
    does not block: a Stripe Checkout Session names no subscription (no id is kept), and a
    Razorpay subscription "created" but never authenticated sends no event (no price)."""
    if not _held_by_gateway(subscription) or subscription.status not in LIVE_STATUSES:
        return False
    return subscription.status != Status.TRIALING or subscription.price_id is not None


def _abandoned_checkout_cancel(subscription: PlanSubscription) -> None:
    """A trial's gateway subscription from an earlier checkout never completed (Razorpay
    names it at once, "created", no mandate) is cancelled before a new checkout starts, so a
    late authorisation of the old link cannot charge beside the new one. Already gone at
    the gateway: logged, and the new checkout goes on. Unreachable: try again later."""
    if (
        not _held_by_gateway(subscription)
        or subscription.status != Status.TRIALING
        or _gateway_live(subscription)
    ):
        return
    try:
        subscription_gateway(subscription.gateway).subscription_cancel(
            gateway_subscription_id=subscription.gateway_subscription_id, at_period_end=False
        )
    except GatewayError as exc:
        if exc.transient:
            raise gateway_failure(exc) from exc
        logger.warning(
            "cancelling abandoned %s subscription %s failed: %s",
            subscription.gateway,
            subscription.gateway_subscription_id,
            exc.message,
        )


def subscription_cancel(*, business: Business, actor: Actor, reason: str = "") -> None:
    """Cancels at the period's end (the trial's end during a trial): the plan serves until
    then, and then the business is suspended by billing (nothing is deleted; subscribing
    again reactivates it). Raises Conflict (nothing to cancel), PaymentGatewayUnavailable."""
    subscription = plan_subscription_for(business)
    if subscription.status not in LIVE_STATUSES or subscription.cancel_at_period_end:
        raise Conflict(
            _("There is no subscription to cancel."), code=BillingErrorCode.NOT_CANCELLABLE
        )
    if _held_by_gateway(subscription):
        try:
            subscription_gateway(subscription.gateway).subscription_cancel(
                gateway_subscription_id=subscription.gateway_subscription_id, at_period_end=True
            )
        except GatewayError as exc:
            raise gateway_failure(exc) from exc
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if locked.cancel_at_period_end:
            return
        locked.cancel_at_period_end = True
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancel_at_period_end", "cancelled_at", "updated_at"])
        ends = locked.current_period_end or locked.trial_ends_at
        plan_log(
            subscription=locked,
            kind=Kind.CANCEL_SCHEDULED,
            action="plan.cancel_scheduled",
            old=locked.status,
            new=ends.date().isoformat() if ends else "",
            reason=(reason or "").strip(),
            actor=actor,
        )


def subscription_resume(*, business: Business, actor: Actor) -> None:
    """Withdraws a cancellation before the period ends. Raises Conflict (none scheduled)."""
    subscription = plan_subscription_for(business)
    if not subscription.cancel_at_period_end or subscription.status not in LIVE_STATUSES:
        raise Conflict(_("No cancellation is scheduled."), code=BillingErrorCode.NOT_CANCELLED)
    if _held_by_gateway(subscription):
        try:
            subscription_gateway(subscription.gateway).subscription_resume(
                gateway_subscription_id=subscription.gateway_subscription_id
            )
        except GatewayError as exc:
            if exc.code == RESUME_UNSUPPORTED:
                raise _resume_unsupported(subscription) from exc
            raise gateway_failure(exc) from exc
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if not locked.cancel_at_period_end:
            return
        locked.cancel_at_period_end = False
        locked.cancelled_at = None
        locked.save(update_fields=["cancel_at_period_end", "cancelled_at", "updated_at"])
        plan_log(
            subscription=locked,
            kind=Kind.CANCEL_WITHDRAWN,
            action="plan.cancel_withdrawn",
            old="cancel_at_period_end",
            new=locked.status,
            actor=actor,
        )


def _resume_unsupported(subscription: PlanSubscription) -> Conflict:
    """Razorpay cannot withdraw a cancellation: say until when the plan runs (the business's
    language, date format and time zone) and that subscribing again follows."""
    business = subscription.business
    ends = subscription.current_period_end or subscription.trial_ends_at or timezone.now()
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    with translation.override(business.language or "en"):
        message = gettext(
            "Razorpay cannot undo a cancellation: your plan runs until %(date)s; subscribe "
            "again after that."
        ) % {"date": formats.date_format(timezone.localtime(ends, zone), "DATE_FORMAT")}
    return Conflict(message, code=BillingErrorCode.RESUME_UNSUPPORTED)


def subscription_portal_url(*, business: Business, return_url: str) -> str:
    """The gateway's page where the business changes its card or cancels; "" when it has
    none (bank transfer, no gateway customer yet, the gateway unreachable)."""
    subscription = plan_subscription_get(business=business)
    if subscription is None or not subscription.gateway_customer_id:
        return ""
    if subscription.gateway in ("", MANUAL):
        return ""
    try:
        return subscription_gateway(subscription.gateway).portal_url(
            gateway_customer_id=subscription.gateway_customer_id, return_url=return_url
        )
    except (GatewayError, PaymentGatewayUnavailable):
        return ""

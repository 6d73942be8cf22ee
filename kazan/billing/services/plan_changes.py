"""Changing plan: an upgrade now with proration, a downgrade at the period's end (refused while
the business uses more than the lower plan allows, saying what), withdrawing a scheduled
downgrade, and staff's custom terms (Enterprise). Decision 0034.

Stripe and Razorpay prorate an immediate change themselves (the charge arrives by webhook); for
a transfer-paid plan and a gateway that says it does not (`prorates = False`), the credit for
the unused time of the old price and the charge for the rest of the period at the new one are
computed here, by the seconds of the period, and invoiced."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import GatewayError, InvoiceLineData, SubscriptionGateway
from kazan.billing.models import (
    Interval,
    Invoice,
    Plan,
    PlanChange,
    PlanPrice,
    PlanSubscription,
    SubscriptionStatus,
)
from kazan.billing.queries.limits import downgrade_blockers
from kazan.billing.queries.plans import PLAN_FIELDS, plan_subscription_get
from kazan.billing.services.manual_plans import plan_invoice_open, renewal_invoice_reissue
from kazan.billing.services.plan_state import (
    billing_reactivate,
    period_add,
    plan_log,
    subscription_locked,
)
from kazan.billing.services.plan_subscriptions import (
    MANUAL,
    gateway_failure,
    gateway_price_id,
    plan_price_for,
    plan_subscription_for,
    subscription_gateway,
)
from kazan.core.errors import Conflict, PermissionDenied, ValidationFailed
from kazan.core.formatting import number_local

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.core.entitlements import Usage
    from kazan.tenancy.models import Business

Status = SubscriptionStatus
Kind = PlanChange.Kind
TERMS_AMOUNT_MAX = 100_000_000  # minor units per interval
REASON_MAX = 500


@dataclass(frozen=True)
class PlanChangeResult:
    # "upgraded" (now) or "downgrade_scheduled" (at effective_at, the period's end).
    outcome: str
    effective_at: dt.datetime
    # The proration invoice where we computed it (transfer, Razorpay), or a scheduled
    # change's renewal invoice issued again at the new price; None otherwise.
    invoice: Invoice | None = None
    # A scheduled change: when and why it waits, for the business ("" for an upgrade now).
    message: str = ""


@dataclass(frozen=True)
class Proration:
    credit_minor: int  # the old price's unused time, given back (positive here)
    charge_minor: int  # the new price for the rest of the period (or a whole new interval)
    start: dt.datetime
    end: dt.datetime  # the period's end after the change


def _share(amount: int, part: int, whole: int) -> int:
    """amount × part / whole, rounded half up, in integers (no float near money)."""
    return (2 * amount * part + whole) // (2 * whole) if whole > 0 else 0


def proration_compute(
    *, subscription: PlanSubscription, price: PlanPrice, now: dt.datetime
) -> Proration:
    """Same interval: credit the unused seconds of the old price, charge the same seconds at
    the new one; the period stays. Another interval: credit the unused time, charge a whole
    new interval from now (a new period begins)."""
    start, end = subscription.current_period_start, subscription.current_period_end
    if start is None or end is None or end <= now:
        return Proration(0, price.amount_minor, now, period_add(now, price.interval))
    whole = int((end - start).total_seconds())
    left = max(0, min(whole, int((end - now).total_seconds())))
    credit = _share(subscription.amount_minor, left, whole)
    if price.interval != subscription.interval:
        return Proration(credit, price.amount_minor, now, period_add(now, price.interval))
    return Proration(credit, _share(price.amount_minor, left, whole), now, end)


def _shorter_interval(subscription: PlanSubscription, price: PlanPrice) -> bool:
    return subscription.interval == Interval.YEAR and price.interval == Interval.MONTH


def _is_downgrade(subscription: PlanSubscription, price: PlanPrice) -> bool:
    """At the period's end: lower in the catalog, or any change to a shorter interval (yearly
    → monthly, a higher plan too). Now, the unused part of a paid year would be worth more
    than the month it buys and the difference be lost; at the period's end the paid year is
    used in full (no credit note needed)."""
    current = subscription.plan
    if _shorter_interval(subscription, price):
        return True
    if price.plan.sort_order != current.sort_order or price.plan_id != current.pk:
        return price.plan.sort_order < current.sort_order
    return False


def _scheduled_message(
    subscription: PlanSubscription, price: PlanPrice, effective_at: dt.datetime
) -> str:
    """What the business is told of a change scheduled for the period's end (its language,
    date format and time zone)."""
    business = subscription.business
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    with translation.override(business.language or "en"):
        values = {
            "plan": price.plan.name,
            "date": formats.date_format(timezone.localtime(effective_at, zone), "DATE_FORMAT"),
        }
        if _shorter_interval(subscription, price):
            return (
                gettext(
                    "Monthly billing on the %(plan)s plan starts when your yearly period ends, "
                    "on %(date)s: a change to a shorter interval waits for the period's end, so "
                    "none of the year you paid for is lost."
                )
                % values
            )
        return (
            gettext("Your plan changes to %(plan)s on %(date)s, when the paid period ends.")
            % values
        )


def _limit_name(key: str) -> str:
    return str(getattr(Plan._meta.get_field(PLAN_FIELDS[key]), "verbose_name", key))


def _blocked_message(plan: Plan, blockers: list[Usage]) -> str:
    items = ", ".join(
        gettext("%(thing)s: %(used)s (allowed: %(limit)s)")
        % {
            "thing": _limit_name(usage.key),
            "used": number_local(usage.used),
            "limit": number_local(usage.limit),
        }
        for usage in blockers
    )
    return gettext(
        "You use more than the %(plan)s plan allows — %(items)s. Remove some first, then "
        "change the plan."
    ) % {"plan": plan.name, "items": items}


def _changeable(subscription: PlanSubscription) -> None:
    held = bool(subscription.gateway_subscription_id) and subscription.gateway != MANUAL
    if subscription.status == Status.ACTIVE or (subscription.status == Status.TRIALING and held):
        return
    raise Conflict(
        _("Choose a plan and how to pay first; a past-due plan is paid before it changes."),
        code=BillingErrorCode.NOT_SUBSCRIBED,
    )


def _gateway_of(subscription: PlanSubscription) -> SubscriptionGateway | None:
    held = bool(subscription.gateway_subscription_id) and subscription.gateway != MANUAL
    return subscription_gateway(subscription.gateway) if held else None


def _gateway_change(
    *,
    subscription: PlanSubscription,
    gateway: SubscriptionGateway,
    price: PlanPrice,
    immediately: bool,
) -> None:
    price_id, _gross = gateway_price_id(
        business=subscription.business, gateway=gateway, price=price
    )
    try:
        gateway.subscription_change(
            gateway_subscription_id=subscription.gateway_subscription_id,
            price_id=price_id,
            immediately=immediately,
            idempotency_key=(
                f"kazan-plan-change-{subscription.pk}-{price_id}-{int(immediately)}-"
                f"{timezone.now():%Y%m%d%H%M}"
            ),
        )
    except GatewayError as exc:
        raise gateway_failure(exc) from exc


def plan_change(*, business: Business, plan: Plan, interval: str, actor: Actor) -> PlanChangeResult:
    """Moves a paying business to `plan` at `interval`. Higher: now, prorated. Lower, or to
    a shorter interval (yearly → monthly, whatever the plan: no paid time is lost): at the
    period's end (the result's message says so), refused (ValidationFailed "downgrade_blocked",
    naming what) while the business uses more than the lower plan allows. Raises
    ValidationFailed (not offered, the same plan), Conflict (nothing paid to change),
    PaymentGatewayUnavailable."""
    subscription = plan_subscription_for(business)
    _changeable(subscription)
    price = plan_price_for(plan=plan, interval=interval, currency=subscription.currency)
    if price.pk == subscription.price_id:
        raise ValidationFailed(_("This is your plan already."), code=BillingErrorCode.SAME_PLAN)
    gateway = _gateway_of(subscription)
    if _is_downgrade(subscription, price):
        blockers = downgrade_blockers(business=business, plan=plan)
        if blockers:
            with translation.override(business.language):
                message = _blocked_message(plan, blockers)
            raise ValidationFailed(message, code=BillingErrorCode.DOWNGRADE_BLOCKED)
        if gateway is not None:
            _gateway_change(
                subscription=subscription, gateway=gateway, price=price, immediately=False
            )
        with transaction.atomic():
            locked = subscription_locked(subscription.pk)
            locked.pending_plan, locked.pending_price = plan, price
            locked.save(update_fields=["pending_plan", "pending_price", "updated_at"])
            renewal = _renewal_reprice(locked, locked.current_period_end, actor)
            plan_log(
                subscription=locked,
                kind=Kind.DOWNGRADE_SCHEDULED,
                action="plan.downgrade_scheduled",
                old=locked.plan.key,
                new=plan.key,
                actor=actor,
                data={"interval": price.interval},
            )
        effective_at = locked.current_period_end or timezone.now()
        return PlanChangeResult(
            outcome="downgrade_scheduled",
            effective_at=effective_at,
            invoice=renewal,
            message=_scheduled_message(locked, price, effective_at),
        )
    # Stripe and Razorpay prorate an immediate change themselves; for a gateway that does not
    # (and a bank transfer) we invoice the proration.
    prorates = gateway is not None and gateway.prorates
    if gateway is not None:
        _gateway_change(subscription=subscription, gateway=gateway, price=price, immediately=True)
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        now = timezone.now()
        proration = proration_compute(subscription=locked, price=price, now=now)
        old_plan, old_end = locked.plan, locked.current_period_end
        locked.plan, locked.price, locked.interval = plan, price, price.interval
        locked.amount_minor, locked.currency = price.amount_minor, price.currency
        locked.pending_plan = locked.pending_price = None
        # A trial (a gateway's, with a card on file) stays free: nothing to prorate.
        paying = locked.status == Status.ACTIVE
        if paying and proration.end != locked.current_period_end:
            locked.current_period_start, locked.current_period_end = proration.start, proration.end
        locked.save()
        invoice = None
        if paying and not prorates and proration.charge_minor - proration.credit_minor > 0:
            invoice = _proration_invoice(
                subscription=locked, old_plan=old_plan, proration=proration, actor=actor
            )
        if paying:
            _renewal_reprice(locked, old_end, actor)
        plan_log(
            subscription=locked,
            kind=Kind.UPGRADED,
            action="plan.upgraded",
            old=old_plan.key,
            new=plan.key,
            actor=actor,
            data={
                "interval": price.interval,
                "credit_minor": proration.credit_minor if invoice else 0,
                "charge_minor": proration.charge_minor if invoice else 0,
                "currency": price.currency,
            },
        )
    return PlanChangeResult(outcome="upgraded", effective_at=now, invoice=invoice)


def _renewal_reprice(
    subscription: PlanSubscription, old_end: dt.datetime | None, actor: Actor
) -> Invoice | None:
    """A transfer-paid plan's renewal invoice, issued ahead at the old price, is voided and
    issued again at the new one (manual_plans.renewal_invoice_reissue)."""
    if subscription.gateway != MANUAL:
        return None
    return renewal_invoice_reissue(subscription=subscription, period_start=old_end, actor=actor)


def subscription_gross_refresh(*, business: Business) -> bool:
    """After the business's tax changed (its billing profile: the rate, the reverse charge):
    a gateway-held subscription charges the new gross from its next period on, without
    proration (the scheduled downgrade's price when one waits). Outside any transaction.
    Returns whether the gateway was told; raises Conflict, PaymentGatewayUnavailable."""
    subscription = plan_subscription_get(business=business)
    if (
        subscription is None
        or subscription.status not in (Status.TRIALING, Status.ACTIVE, Status.PAST_DUE)
        or subscription.cancel_at_period_end
    ):
        return False
    price = subscription.pending_price or subscription.price
    gateway = _gateway_of(subscription)
    if gateway is None or price is None:
        return False
    _gateway_change(subscription=subscription, gateway=gateway, price=price, immediately=False)
    return True


def _proration_invoice(
    *, subscription: PlanSubscription, old_plan: Plan, proration: Proration, actor: Actor
) -> Invoice:
    with translation.override(subscription.business.language):
        credit = gettext("Unused time on the %(plan)s plan") % {"plan": old_plan.name}
        charge = gettext("Remaining time on the %(plan)s plan") % {"plan": subscription.plan.name}
    return plan_invoice_open(
        subscription=subscription,
        description=charge,
        amount_minor=proration.charge_minor,
        period_start=proration.start,
        period_end=proration.end,
        extra_lines=(
            (
                InvoiceLineData(
                    description=credit,
                    amount_minor=-proration.credit_minor,
                    period_start=proration.start,
                    period_end=proration.end,
                ),
            )
            if proration.credit_minor
            else ()
        ),
        actor=actor,
    )


def plan_change_withdraw(*, business: Business, actor: Actor) -> None:
    """Drops a scheduled downgrade: the plan stays as it is. Raises Conflict (none)."""
    subscription = plan_subscription_for(business)
    if subscription.pending_plan_id is None or subscription.status not in (
        Status.ACTIVE,
        Status.TRIALING,
    ):
        raise Conflict(_("No plan change is scheduled."), code=BillingErrorCode.NOT_PENDING)
    gateway = _gateway_of(subscription)
    if gateway is not None and subscription.price is not None:
        _gateway_change(
            subscription=subscription,
            gateway=gateway,
            price=subscription.price,
            immediately=False,
        )
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if locked.pending_plan is None:
            return
        pending = locked.pending_plan.key
        locked.pending_plan = locked.pending_price = None
        locked.save(update_fields=["pending_plan", "pending_price", "updated_at"])
        _renewal_reprice(locked, locked.current_period_end, actor)
        plan_log(
            subscription=locked,
            kind=Kind.DOWNGRADE_WITHDRAWN,
            action="plan.downgrade_withdrawn",
            old=pending,
            new=locked.plan.key,
            actor=actor,
        )


def subscription_terms_set(
    *,
    business: Business,
    plan: Plan,
    amount_minor: int,
    currency: str,
    interval: str,
    actor: Actor,
    reason: str,
) -> PlanSubscription:
    """Platform staff give a business custom terms (an Enterprise contract): the plan, its own
    net price per interval, paid by transfer. Not paying yet: the first period is invoiced
    (open; confirming it starts the period); a price of 0 is active at once, without
    invoices. Raises PermissionDenied, ValidationFailed, Conflict (a gateway charges it)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise ValidationFailed(
            _("Say why, in at most %(max)s characters.") % {"max": REASON_MAX},
            code=BillingErrorCode.INVALID_REASON,
        )
    currency = (currency or "").strip().upper()
    if (
        not isinstance(amount_minor, int)
        or not 0 <= amount_minor <= TERMS_AMOUNT_MAX
        or len(currency) != 3
        or not currency.isalpha()
        or interval not in Interval.values
    ):
        raise ValidationFailed(
            _("Enter a price of 0 or more, a currency code and monthly or yearly."),
            code=BillingErrorCode.INVALID_PRICE,
        )
    subscription = plan_subscription_for(business)
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if (
            locked.gateway_subscription_id
            and locked.gateway != MANUAL
            and locked.status in (Status.ACTIVE, Status.PAST_DUE, Status.TRIALING)
        ):
            raise Conflict(
                _("A payment gateway charges this plan: cancel it there first."),
                code=BillingErrorCode.ALREADY_SUBSCRIBED,
            )
        old = f"{locked.plan.key} {locked.amount_minor} {locked.currency}/{locked.interval}"
        locked.plan, locked.price = plan, None
        locked.amount_minor, locked.currency, locked.interval = amount_minor, currency, interval
        locked.pending_plan = locked.pending_price = None
        locked.gateway, locked.gateway_subscription_id = MANUAL, ""
        paying = locked.status in (Status.ACTIVE, Status.PAST_DUE)
        if amount_minor == 0:
            locked.current_period_start, locked.current_period_end = timezone.now(), None
            locked.cancel_at_period_end = False
        locked.save()
        plan_log(
            subscription=locked,
            kind=Kind.TERMS_CHANGED,
            action="plan.terms_set",
            old=old,
            new=f"{plan.key} {amount_minor} {currency}/{interval}",
            reason=reason,
            actor=actor,
            data={"amount_minor": amount_minor, "currency": currency, "interval": interval},
        )
        if amount_minor == 0:
            billing_reactivate(subscription=locked, reason=reason, actor=actor)
        elif not paying:
            plan_invoice_open(
                subscription=locked, description=plan.name, amount_minor=amount_minor, actor=actor
            )
    return locked

"""The steps every change of a plan subscription shares: the internal log (a PlanChange row)
with its activity entry, the period arithmetic, and settling a paid plan invoice (active, the
period extended, past due cleared, billing's suspension lifted). Callers hold the transaction
and the subscription's row lock."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.models import (
    Interval,
    Invoice,
    PlanChange,
    PlanPrice,
    PlanSubscription,
    SubscriptionStatus,
)
from kazan.billing.services.invoices import invoice_mark_paid
from kazan.tenancy.services import business_billing_reactivate, business_billing_suspend

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.billing.models import Payment
    from kazan.tenancy.models import Business

Status = SubscriptionStatus
Kind = PlanChange.Kind


def subscription_locked(subscription_id: int) -> PlanSubscription:
    """The row, locked for the rest of the caller's transaction (status moves are decided on
    the locked row, never on one read earlier)."""
    return (
        PlanSubscription.objects.select_for_update(of=("self",))
        .select_related("business", "plan", "price", "pending_plan", "pending_price")
        .get(pk=subscription_id)
    )


def period_add(start: dt.datetime, interval: str, count: int = 1) -> dt.datetime:
    """The end of `count` intervals from `start`, by the calendar (31 Jan + 1 month = 28/29
    Feb: the day is clamped to the month's last)."""
    months = count * (12 if interval == Interval.YEAR else 1)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(
        year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])
    )


def plan_log(
    *,
    subscription: PlanSubscription,
    kind: str,
    action: str,
    old: str = "",
    new: str = "",
    reason: str = "",
    actor: Actor = None,
    source: str = "",
    data: dict[str, object] | None = None,
) -> PlanChange:
    """The PlanChange row (the console's internal log) and the activity entry for one change;
    `data` holds no personal data (keys, amounts, dates)."""
    change = PlanChange.objects.create(
        business_id=subscription.business_id,
        subscription=subscription,
        kind=kind,
        old_value=old[:200],
        new_value=new[:200],
        reason=reason[:500],
        changed_by=actor_user(actor),
        source=source[:300],
        changed_at=timezone.now(),
    )
    activity_record(
        business=subscription.business,
        actor=actor,
        action=action,
        target=subscription,
        data={"old": old, "new": new, **({"reason": reason} if reason else {}), **(data or {})},
    )
    return change


def billing_reactivate(
    *, subscription: PlanSubscription, reason: str, actor: Actor = None, source: str = ""
) -> None:
    """The plan is paid: status active, past due cleared, billing's own suspension of the
    business lifted (staff's stays). Logs REACTIVATED when it was past due or suspended."""
    old = subscription.status
    subscription.status = Status.ACTIVE
    subscription.past_due_since = subscription.suspended_at = subscription.ended_at = None
    subscription.save(
        update_fields=["status", "past_due_since", "suspended_at", "ended_at", "updated_at"]
    )
    if old in (Status.PAST_DUE, Status.SUSPENDED):
        plan_log(
            subscription=subscription,
            kind=Kind.REACTIVATED,
            action="plan.reactivated",
            old=old,
            new=Status.ACTIVE,
            reason=reason,
            actor=actor,
            source=source,
        )
    business_billing_reactivate(business=subscription.business, reason=reason)


def pending_apply(*, subscription: PlanSubscription, source: str = "", log: bool = True) -> bool:
    """A scheduled downgrade (or a plan chosen before paying for it by transfer) takes over:
    plan, price, interval and amount (logged as a downgrade when `log`). Returns False when
    none was pending."""
    price = subscription.pending_price
    if subscription.pending_plan_id is None or price is None:
        return False
    old = subscription.plan.key
    subscription.plan = subscription.pending_plan  # type: ignore[assignment]
    subscription.price = price
    subscription.interval = price.interval
    subscription.amount_minor = price.amount_minor
    subscription.currency = price.currency
    subscription.pending_plan = subscription.pending_price = None
    subscription.save(
        update_fields=[
            "plan",
            "price",
            "interval",
            "amount_minor",
            "currency",
            "pending_plan",
            "pending_price",
            "updated_at",
        ]
    )
    if log and old != subscription.plan.key:
        plan_log(
            subscription=subscription,
            kind=Kind.DOWNGRADED,
            action="plan.downgraded",
            old=old,
            new=subscription.plan.key,
            reason="scheduled change at the period's end",
            source=source,
        )
    return True


def subscription_paid(
    *,
    subscription: PlanSubscription,
    period_start: dt.datetime | None,
    period_end: dt.datetime | None,
    gateway: str,
    reason: str,
    actor: Actor = None,
    source: str = "",
) -> None:
    """A plan invoice was paid. When it reaches past the current period (a renewal, a first
    payment) the period moves to it — a first payment without a period runs one interval from
    now — and a pending plan takes over (a downgrade at its period's end, or the plan chosen
    before paying by transfer); a proration invoice leaves the period. Then: active, past due
    cleared, billing's suspension lifted. `subscription` is locked by the caller."""
    old = subscription.status
    paying = old in (Status.ACTIVE, Status.PAST_DUE)
    current_end = subscription.current_period_end
    extends = not paying or current_end is None or period_end is None or period_end > current_end
    if extends:
        start = period_start or timezone.now()
        if subscription.pending_plan_id and (not paying or not current_end or start >= current_end):
            # A plan chosen before paying is logged as subscribed below.
            pending_apply(subscription=subscription, source=source, log=paying)
        end = period_end or period_add(start, subscription.interval or Interval.MONTH)
        subscription.current_period_start, subscription.current_period_end = start, end
        if not paying:
            if gateway != subscription.gateway:
                subscription.gateway_subscription_id = ""
            subscription.gateway = gateway
            subscription.cancel_at_period_end = False
            subscription.cancelled_at = None
        subscription.save(
            update_fields=[
                "current_period_start",
                "current_period_end",
                "gateway",
                "gateway_subscription_id",
                "cancel_at_period_end",
                "cancelled_at",
                "updated_at",
            ]
        )
        first = old in (Status.TRIALING, Status.CANCELLED)
        plan_log(
            subscription=subscription,
            kind=Kind.SUBSCRIBED if first else Kind.RENEWED,
            action="plan.subscribed" if first else "plan.renewed",
            old=old,
            new=subscription.plan.key,
            reason=reason,
            actor=actor,
            source=source,
            data={"gateway": gateway, "period_end": end.date().isoformat()},
        )
    billing_reactivate(subscription=subscription, reason=reason, actor=actor, source=source)


def plan_invoice_settle(*, payment: Payment, actor: Actor = None) -> None:
    """A plan invoice's payment arrived (staff confirmed a transfer, a gateway said paid): the
    invoice is paid and its subscription settled (subscription_paid). Inside the caller's
    transaction, once per payment (the caller moved the payment pending → paid)."""
    invoice: Invoice = payment.invoice  # type: ignore[assignment]
    invoice_mark_paid(invoice=invoice, paid_at=payment.paid_at or timezone.now(), payment=payment)
    if invoice.subscription_id is None:
        return
    subscription_paid(
        subscription=subscription_locked(invoice.subscription_id),
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        gateway=payment.gateway,
        reason=f"invoice {invoice.number} paid",
        actor=actor,
    )


def subscription_end(
    subscription: PlanSubscription, *, reason: str, source: str = "", actor: Actor = None
) -> None:
    """cancelled (ended now) and the business suspended by billing; nothing is deleted."""
    old = subscription.status
    now = timezone.now()
    subscription.status = Status.CANCELLED
    subscription.ended_at = now
    subscription.cancel_at_period_end = False
    subscription.save(update_fields=["status", "ended_at", "cancel_at_period_end", "updated_at"])
    plan_log(
        subscription=subscription,
        kind=Kind.ENDED,
        action="plan.ended",
        old=old,
        new=Status.CANCELLED,
        reason=reason,
        source=source,
        actor=actor,
    )
    business_billing_suspend(business=subscription.business, reason=reason)


def plan_description(*, business: Business, price: PlanPrice) -> str:
    """What the payer sees on the gateway's page and the invoice line, in their language."""
    with translation.override(business.language):
        per = gettext("monthly") if price.interval == "month" else gettext("yearly")
        return gettext("Kazan %(plan)s plan, %(interval)s") % {
            "plan": price.plan.name,
            "interval": per,
        }

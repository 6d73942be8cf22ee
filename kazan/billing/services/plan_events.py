"""A gateway's word on a plan subscription (Stripe Billing, Razorpay webhooks), applied once.

The gateway's webhook module verifies and parses the event into SubscriptionEventData; here it
is deduplicated on (gateway, event_id) in the GatewayEvent table inside the same transaction
that applies it — a replay finds the row, a concurrent delivery waits on the unique index and
then finds it — and the subscription's row is locked while its state moves."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.billing.gateways import InvoiceLineData, SubscriptionEventData
from kazan.billing.models import (
    GatewayEvent,
    GatewayPlanPrice,
    Invoice,
    Payment,
    PlanChange,
    PlanSubscription,
    SubscriptionStatus,
)
from kazan.billing.services.invoices import invoice_issue
from kazan.billing.services.plan_state import (
    pending_apply,
    plan_log,
    subscription_end,
    subscription_locked,
    subscription_paid,
)

logger = logging.getLogger("kazan.billing")

Status = SubscriptionStatus
Kind = PlanChange.Kind
# The gateways' normalized statuses we move to; "incomplete" and "paused" change nothing.
STATUS_MAP = {
    "trialing": Status.TRIALING,
    "active": Status.ACTIVE,
    "past_due": Status.PAST_DUE,
    "cancelled": Status.CANCELLED,
}


# subscription_event_apply's default: the event was built by our own code (tests, jobs), its
# metadata subscription id needs no business to match.
UNCHECKED = -1


def subscription_event_apply(
    *, event: SubscriptionEventData, metadata_business_id: int | None = UNCHECKED
) -> str:
    """Applies a verified subscription event at most once. Returns "applied", "duplicate"
    (this event id was applied before) or "ignored" (it names no subscription of ours, or
    says nothing that changes it). A webhook passes the business id of the event's metadata
    (None when it has none): the metadata's subscription id links only a subscription of that
    business."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                GatewayEvent.objects.create(
                    gateway=event.gateway, event_id=event.event_id, event_type=event.event_type
                )
        except IntegrityError:
            return "duplicate"
        subscription_id = _subscription_find(event, metadata_business_id)
        if subscription_id is None:
            logger.warning(
                "%s event %s (%s) names no plan subscription",
                event.gateway,
                event.event_id,
                event.event_type,
            )
            return "ignored"
        subscription = subscription_locked(subscription_id)
        ended = _ended_before(subscription, event)
        _gateway_ids_keep(subscription, event)
        source = f"{event.gateway}:{event.event_id}"[:300]
        if event.kind == "invoice_paid":
            return _invoice_paid(subscription, event, source, ended=ended)
        if event.kind == "invoice_failed":
            return _invoice_failed(subscription, event, source)
        if event.kind == "subscription":
            return _state_update(subscription, event, source)
    return "ignored"


def _subscription_find(event: SubscriptionEventData, business_id: int | None) -> int | None:
    """Ours by the gateway's subscription id, else by the id we sent in its metadata (the
    first events of a Stripe Checkout come before we know the gateway's id)."""
    if event.gateway_subscription_id:
        found = (
            PlanSubscription.objects.filter(
                gateway=event.gateway, gateway_subscription_id=event.gateway_subscription_id
            )
            .values_list("pk", flat=True)
            .first()
        )
        if found is not None:
            return found
    if event.local_subscription_id is not None and business_id is not None:
        named = PlanSubscription.objects.filter(pk=event.local_subscription_id)
        if business_id != UNCHECKED:
            named = named.filter(business_id=business_id)
        return named.values_list("pk", flat=True).first()
    return None


def _ended_before(subscription: PlanSubscription, event: SubscriptionEventData) -> bool:
    """The subscription ended here after the gateway made this event (an invoice of the ended
    gateway subscription, delivered late): it must not come back active. Checked before a new
    gateway subscription may take the row over; a new subscription's events come later."""
    return (
        subscription.status == Status.CANCELLED
        and subscription.ended_at is not None
        and _ours(subscription, event)
        and (event.occurred_at is None or event.occurred_at < subscription.ended_at)
    )


def _stale(subscription: PlanSubscription, event: SubscriptionEventData) -> bool:
    """Made at the gateway before the newest event applied: it arrived late (gateways do not
    deliver in order) and must not move the state back."""
    seen = subscription.gateway_event_at
    return event.occurred_at is not None and seen is not None and event.occurred_at < seen


def _event_at_keep(subscription: PlanSubscription, event: SubscriptionEventData) -> None:
    """Keeps when the newest gateway event was made. A state fetched by reconciliation
    (observed) is not an event: an event made before the fetch and delivered after it (the
    gateway still retrying) then applies as it would have without the fetch."""
    if event.observed:
        return
    at = event.occurred_at
    if at is not None and (
        subscription.gateway_event_at is None or at > subscription.gateway_event_at
    ):
        subscription.gateway_event_at = at
        subscription.save(update_fields=["gateway_event_at", "updated_at"])


def _gateway_ids_keep(subscription: PlanSubscription, event: SubscriptionEventData) -> None:
    """The gateway's ids for the subscription and customer, learnt from its events. A new
    gateway subscription (subscribing again, another gateway) replaces the old one, unless
    the old one still runs (an old subscription's late event then changes only itself)."""
    changed = []
    new_id = event.gateway_subscription_id
    if new_id and (subscription.gateway, subscription.gateway_subscription_id) != (
        event.gateway,
        new_id,
    ):
        replaceable = not subscription.gateway_subscription_id or subscription.status in (
            Status.TRIALING,
            Status.SUSPENDED,
            Status.CANCELLED,
        )
        if replaceable:
            subscription.gateway = event.gateway
            subscription.gateway_subscription_id = new_id
            changed += ["gateway", "gateway_subscription_id"]
    if (
        event.gateway_customer_id
        and subscription.gateway == event.gateway
        and subscription.gateway_customer_id != event.gateway_customer_id
    ):
        subscription.gateway_customer_id = event.gateway_customer_id
        changed.append("gateway_customer_id")
    if changed:
        subscription.save(update_fields=[*changed, "updated_at"])


def _ours(subscription: PlanSubscription, event: SubscriptionEventData) -> bool:
    """Whether the event speaks of the gateway subscription the row holds now."""
    return (subscription.gateway, subscription.gateway_subscription_id) == (
        event.gateway,
        event.gateway_subscription_id,
    ) or not event.gateway_subscription_id


def _price_take(subscription: PlanSubscription, event: SubscriptionEventData, source: str) -> None:
    """The plan the gateway charges, from its price id (a new subscription, an upgrade made at
    the gateway). A scheduled downgrade's price waits for its period (pending_apply)."""
    if not event.price_id:
        return
    known = (
        GatewayPlanPrice.objects.select_related("plan_price__plan")
        .filter(gateway=event.gateway, external_id=event.price_id)
        .first()
    )
    if known is None:
        return
    price = known.plan_price
    if price.pk in (subscription.price_id, subscription.pending_price_id):
        return
    old_plan = subscription.plan
    subscription.plan, subscription.price = price.plan, price
    subscription.interval, subscription.amount_minor = price.interval, price.amount_minor
    subscription.currency = price.currency
    subscription.save(
        update_fields=["plan", "price", "interval", "amount_minor", "currency", "updated_at"]
    )
    # During the trial the plan chosen is logged when it is paid for ("subscribed").
    if old_plan.key != price.plan.key and subscription.status != Status.TRIALING:
        up = price.plan.sort_order >= old_plan.sort_order
        plan_log(
            subscription=subscription,
            kind=Kind.UPGRADED if up else Kind.DOWNGRADED,
            action="plan.upgraded" if up else "plan.downgraded",
            old=old_plan.key,
            new=price.plan.key,
            reason="the plan the gateway charges",
            source=source,
        )


def _period_take(subscription: PlanSubscription, event: SubscriptionEventData, source: str) -> None:
    """The gateway's current period; a new one applies a downgrade scheduled for it."""
    start, end = event.current_period_start, event.current_period_end
    if start is None or end is None:
        return
    if (
        subscription.pending_plan_id
        and subscription.current_period_end
        and start >= subscription.current_period_end
    ):
        pending_apply(subscription=subscription, source=source)
    if (subscription.current_period_start, subscription.current_period_end) != (start, end):
        subscription.current_period_start, subscription.current_period_end = start, end
        subscription.save(
            update_fields=["current_period_start", "current_period_end", "updated_at"]
        )


def _invoice_paid(
    subscription: PlanSubscription, event: SubscriptionEventData, source: str, *, ended: bool
) -> str:
    """The gateway charged: our invoice of its lines (gross, totalling what was charged; once
    per gateway invoice id: an invoice recorded before is "ignored"), a paid Payment row, and
    the subscription active for the paid period — unless the event is older than the state
    (stale) or its gateway subscription has ended here (the money is recorded, the
    subscription stays ended: staff decide)."""
    if not _ours(subscription, event):
        return "ignored"
    if (
        event.gateway_invoice_id
        and Invoice.objects.filter(
            gateway=event.gateway, gateway_invoice_id=event.gateway_invoice_id
        ).exists()
    ):
        # Recorded already, under another event id: the gateway's webhook after reconciliation
        # brought it (or the other way round). Its outcome was applied then; nothing is
        # recorded, paid or moved twice.
        return "ignored"
    stale = _stale(subscription, event)
    amount = event.amount_minor or 0
    if amount <= 0:
        # A trial's or a fully credited zero invoice: nothing was paid, nothing to invoice.
        if not stale and not ended:
            _period_take(subscription, event, source)
            _event_at_keep(subscription, event)
        return "ignored"
    if not stale and not ended:
        _price_take(subscription, event, source)
    invoice = _invoice_record(subscription, event, amount, source)
    if ended:
        logger.warning(
            "%s event %s: invoice paid for an ended subscription (%s), not reactivated",
            event.gateway,
            event.event_id,
            subscription.pk,
        )
        plan_log(
            subscription=subscription,
            kind=Kind.ENDED,
            action="plan.paid_after_end",
            old=subscription.status,
            new=subscription.status,
            reason=f"invoice {invoice.number} paid after the subscription ended; not reactivated",
            source=source,
            data={"gateway": event.gateway, "amount_minor": amount, "currency": invoice.currency},
        )
        return "applied"
    if stale:
        logger.info("%s event %s: older than the state, recorded only", event.gateway, source)
        return "applied"
    proration = event.billing_reason == "subscription_update"
    subscription_paid(
        subscription=subscription,
        period_start=None if proration else invoice.period_start,
        period_end=subscription.current_period_end if proration else invoice.period_end,
        gateway=event.gateway,
        reason=f"invoice {invoice.number} paid",
        source=source,
    )
    _event_at_keep(subscription, event)
    return "applied"


def _invoice_record(
    subscription: PlanSubscription, event: SubscriptionEventData, amount: int, source: str
) -> Invoice:
    """Our invoice of the gateway's (its lines, a line for a discount or credit balance so the
    total is what was charged) and its paid Payment, each once."""
    paid_at = event.occurred_at or timezone.now()
    lines = [
        line
        if line.description.strip()
        else InvoiceLineData(
            description=subscription.plan.name or "Subscription",
            amount_minor=line.amount_minor,
            quantity=line.quantity,
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line in event.lines
    ] or [
        InvoiceLineData(
            description=subscription.plan.name,
            amount_minor=amount,
            period_start=event.current_period_start,
            period_end=event.current_period_end,
        )
    ]
    difference = amount - sum(line.amount_minor for line in lines)  # line totals
    if difference:
        with translation.override(subscription.business.language or "en"):
            label = gettext("Credit applied") if difference < 0 else gettext("Balance carried over")
        lines.append(InvoiceLineData(description=label, amount_minor=difference))
    period_start = event.current_period_start or min(
        (line.period_start for line in lines if line.period_start), default=None
    )
    period_end = event.current_period_end or max(
        (line.period_end for line in lines if line.period_end), default=None
    )
    reference = event.payment_reference or event.gateway_invoice_id
    invoice = invoice_issue(
        business=subscription.business,
        lines=lines,
        currency=event.currency or subscription.currency,
        amounts_include_tax=True,
        subscription=subscription,
        period_start=period_start,
        period_end=period_end,
        paid_at=paid_at,
        gateway=event.gateway,
        gateway_invoice_id=event.gateway_invoice_id,
        # What a refund names at the gateway (credit_notes); ids longer than the field are
        # never the gateway's payment ids.
        payment_reference=reference if len(reference) <= 40 else "",
    )
    if (
        Payment.objects.filter(gateway=event.gateway, gateway_reference=reference)
        .exclude(invoice=invoice)
        .exists()
    ):
        # The charge is some other payment's already (a one-off order): keep this one apart.
        logger.warning("%s event %s: its charge names another payment", event.gateway, source)
        reference = ""
    if not Payment.objects.filter(invoice=invoice).exists():
        Payment.objects.create(
            business=subscription.business,
            invoice=invoice,
            gateway=event.gateway,
            amount_minor=amount,
            currency=invoice.currency,
            status=Payment.Status.PAID,
            gateway_reference=reference,
            paid_at=paid_at,
        )
    return invoice


def _past_due(subscription: PlanSubscription, source: str, reason: str) -> None:
    """past due from the first failure on (its date kept through retries: grace counts from
    it); a suspended or ended subscription stays as it is."""
    if subscription.status not in (Status.TRIALING, Status.ACTIVE):
        return
    old = subscription.status
    subscription.status = Status.PAST_DUE
    subscription.past_due_since = subscription.past_due_since or timezone.now()
    subscription.save(update_fields=["status", "past_due_since", "updated_at"])
    plan_log(
        subscription=subscription,
        kind=Kind.PAST_DUE,
        action="plan.past_due",
        old=old,
        new=Status.PAST_DUE,
        reason=reason,
        source=source,
    )


def _invoice_failed(
    subscription: PlanSubscription, event: SubscriptionEventData, source: str
) -> str:
    if not _ours(subscription, event):
        return "ignored"
    if event.gateway_invoice_id and (
        Invoice.objects.filter(
            gateway=event.gateway, gateway_invoice_id=event.gateway_invoice_id
        ).exists()
    ):
        return "ignored"  # a late failure of an invoice paid since
    if _stale(subscription, event):
        return "ignored"
    plan_log(
        subscription=subscription,
        kind=Kind.PAYMENT_FAILED,
        action="plan.payment_failed",
        old=subscription.status,
        new=str(event.attempt_count or ""),
        reason=event.event_type,
        source=source,
        data={
            "amount_minor": event.amount_minor,
            "currency": event.currency,
            "gateway": event.gateway,
        },
    )
    _past_due(subscription, source, "payment failed")
    _event_at_keep(subscription, event)
    return "applied"


def _state_update(subscription: PlanSubscription, event: SubscriptionEventData, source: str) -> str:
    if not _ours(subscription, event) or _stale(subscription, event):
        return "ignored"
    _price_take(subscription, event, source)
    _period_take(subscription, event, source)
    if event.cancel_at_period_end is not None and (
        event.cancel_at_period_end != subscription.cancel_at_period_end
    ):
        subscription.cancel_at_period_end = event.cancel_at_period_end
        subscription.cancelled_at = timezone.now() if event.cancel_at_period_end else None
        subscription.save(update_fields=["cancel_at_period_end", "cancelled_at", "updated_at"])
        plan_log(
            subscription=subscription,
            kind=Kind.CANCEL_SCHEDULED if event.cancel_at_period_end else Kind.CANCEL_WITHDRAWN,
            action=(
                "plan.cancel_scheduled" if event.cancel_at_period_end else "plan.cancel_withdrawn"
            ),
            old=subscription.status,
            new=event.event_type,
            reason="at the gateway",
            source=source,
        )
    status = STATUS_MAP.get(event.status or "")
    if status == Status.CANCELLED and subscription.status != Status.CANCELLED:
        subscription_end(subscription, reason="ended at the gateway", source=source)
    elif status == Status.PAST_DUE:
        _past_due(subscription, source, event.event_type)
    # "active" and "trialing" move nothing here: a paid invoice makes a subscription active
    # (invoice_paid), and a trial with a card on file is still our trial.
    _event_at_keep(subscription, event)
    return "applied"

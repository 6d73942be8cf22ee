"""Razorpay's webhook events (fixtures/ holds the documented payloads) in our words.

An event is {"entity": "event", "event": "<type>", "contains": [...], "payload": {"<entity>":
{"entity": {...}}}, "created_at": <unix>}; its id is not in the body but in the
x-razorpay-event-id header. Subscription statuses (Razorpay → ours):
- created, authenticated → incomplete (no money yet); authenticated while the start date (the
  rest of our trial) is ahead → trialing: the mandate is in place and the trial runs on;
- active → active;
- pending → past_due: a renewal failed, Razorpay retries;
- halted → past_due too: Razorpay stopped retrying, but the money is still owed and our own
  grace period (BILLING_GRACE_DAYS, counted from past_due_since) decides the suspension, the same
  for every gateway; a later charge (a new card through Razorpay's link) activates it again;
- cancelled, completed → cancelled; paused → paused.
"""

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from kazan.billing.gateways import SubscriptionEventData
from kazan.billing.services import GatewayEventData

GATEWAY = "razorpay"
# Razorpay's event ids ("KQvbjdk5cVmcCh"): letters and digits; at most the 255 characters of
# GatewayEvent.event_id.
EVENT_ID = re.compile(r"[A-Za-z0-9_]{1,100}")
SUBSCRIPTION_TYPES = frozenset(
    {
        "subscription.authenticated",
        "subscription.activated",
        "subscription.charged",
        "subscription.pending",
        "subscription.halted",
        "subscription.cancelled",
        "subscription.completed",
        "subscription.updated",
        "subscription.paused",
        "subscription.resumed",
    }
)
ORDER_TYPES = frozenset({"payment.captured", "order.paid"})
HANDLED_TYPES = SUBSCRIPTION_TYPES | ORDER_TYPES | {"payment.failed"}
STATUSES = {
    "created": "incomplete",
    "authenticated": "incomplete",
    "active": "active",
    "pending": "past_due",
    "halted": "past_due",
    "cancelled": "cancelled",
    "completed": "cancelled",
    "expired": "cancelled",
    "paused": "paused",
}


class UnknownEventType(Exception):
    """A verified event of a type this endpoint does not handle (answered 200, logged)."""


@dataclass(frozen=True)
class InvoiceLookup:
    """A failed payment names only its invoice; the webhook asks Razorpay for the invoice's
    subscription and then builds the event with `failed_invoice_event`."""

    event_id: str
    event_type: str
    invoice_id: str
    payment: dict[str, Any]
    occurred_at: dt.datetime | None


def _entity(event: dict[str, Any], name: str) -> dict[str, Any] | None:
    payload = event.get("payload")
    wrapper = payload.get(name) if isinstance(payload, dict) else None
    entity = wrapper.get("entity") if isinstance(wrapper, dict) else None
    return entity if isinstance(entity, dict) else None


def _when(value: Any) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**35:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None


def _amount(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _local_id(notes: Any, key: str = "subscription_id") -> int | None:
    raw = notes.get(key) if isinstance(notes, dict) else None
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 19 else None


def notes_business_id(notes: Any) -> int | None:
    """The business id in the notes we sent (checked against the subscription the notes'
    subscription_id names); None when there is none."""
    return _local_id(notes, "business_id")


def event_business_id(event: dict[str, Any]) -> int | None:
    """notes_business_id of the subscription a subscription.* event carries."""
    return notes_business_id((_entity(event, "subscription") or {}).get("notes"))


def body_event_id(body: bytes) -> str:
    """The id an event is applied once under: the SHA-256 of its signed body. The
    x-razorpay-event-id header is not signed — a replayed body under a fresh header id must
    still be a duplicate — and Razorpay's retries resend the same body."""
    return "sha256_" + hashlib.sha256(body).hexdigest()


def _status(subscription: dict[str, Any], now: dt.datetime) -> str | None:
    status = subscription.get("status")
    if status == "authenticated":
        start = _when(subscription.get("start_at"))
        return "trialing" if start is not None and start > now else "incomplete"
    return STATUSES.get(status) if isinstance(status, str) else None


def event_parse(
    event: dict[str, Any], *, event_id: str
) -> SubscriptionEventData | GatewayEventData | InvoiceLookup:
    """A verified Razorpay event → what billing needs. Raises UnknownEventType, ValueError."""
    event_type = event.get("event")
    if not isinstance(event_type, str) or event.get("entity") != "event":
        raise ValueError("not a Razorpay event")
    if not EVENT_ID.fullmatch(event_id):
        raise ValueError("not a Razorpay event id")
    if event_type not in HANDLED_TYPES:
        raise UnknownEventType(event_type)
    occurred_at = _when(event.get("created_at"))
    payment = _entity(event, "payment")
    if event_type in SUBSCRIPTION_TYPES:
        subscription = _entity(event, "subscription")
        if subscription is None or not isinstance(subscription.get("id"), str):
            raise ValueError("the event carries no subscription")
        return _subscription_event(event_id, event_type, subscription, payment, occurred_at)
    if payment is None or not isinstance(payment.get("id"), str):
        raise ValueError("the event carries no payment")
    invoice_id = payment.get("invoice_id")
    if isinstance(invoice_id, str) and invoice_id:
        # A subscription's payment: subscription.charged / .pending say it all, except that
        # a failed renewal's payment.failed names the invoice only.
        if event_type != "payment.failed":
            raise UnknownEventType(f"{event_type} of a subscription invoice")
        return InvoiceLookup(event_id, event_type, invoice_id, payment, occurred_at)
    order = _entity(event, "order")
    order_id = (order or {}).get("id") or payment.get("order_id")
    if not isinstance(order_id, str) or not order_id:
        raise UnknownEventType(f"{event_type} without an order")
    # A failed attempt leaves the order open (the payer may retry in the same Checkout).
    outcome = None if event_type == "payment.failed" else "paid"
    amount = (order or {}).get("amount_paid") if order is not None else payment.get("amount")
    return GatewayEventData(
        gateway=GATEWAY,
        event_id=event_id,
        event_type=event_type,
        reference=order_id,
        outcome=outcome,
        amount_minor=_amount(amount),
        currency=str((order or payment).get("currency") or ""),
    )


def _common(
    event_id: str, event_type: str, subscription: dict[str, Any], occurred_at: dt.datetime | None
) -> dict[str, Any]:
    return {
        "gateway": GATEWAY,
        "event_id": event_id,
        "event_type": event_type,
        "gateway_subscription_id": subscription["id"],
        "gateway_customer_id": str(subscription.get("customer_id") or ""),
        "local_subscription_id": _local_id(subscription.get("notes")),
        "price_id": str(subscription.get("plan_id") or ""),
        "current_period_start": _when(subscription.get("current_start")),
        "current_period_end": _when(subscription.get("current_end")),
        "occurred_at": occurred_at,
    }


def _subscription_event(
    event_id: str,
    event_type: str,
    subscription: dict[str, Any],
    payment: dict[str, Any] | None,
    occurred_at: dt.datetime | None,
) -> SubscriptionEventData:
    if event_type == "subscription.charged":
        if payment is None:
            raise ValueError("a charge without its payment")
        return subscription_charged(
            subscription, payment, event_id=event_id, event_type=event_type, occurred_at=occurred_at
        )
    return subscription_state(
        subscription, event_id=event_id, event_type=event_type, occurred_at=occurred_at
    )


def subscription_charged(
    subscription: dict[str, Any],
    payment: dict[str, Any],
    *,
    event_id: str,
    event_type: str,
    occurred_at: dt.datetime | None,
    observed: bool = False,
) -> SubscriptionEventData:
    """A Razorpay subscription entity and the payment that paid its invoice (a
    subscription.charged event's, or the latest paid invoice's payment fetched by
    RazorpayGateway.subscription_fetch) as the invoice paid, in our words."""
    if not isinstance(payment.get("id"), str):
        raise ValueError("a charge without its payment")
    paid_count = subscription.get("paid_count")
    return SubscriptionEventData(
        **_common(event_id, event_type, subscription, occurred_at),
        kind="invoice_paid",
        status="active",
        gateway_invoice_id=str(payment.get("invoice_id") or ""),
        payment_reference=payment["id"],
        amount_minor=_amount(payment.get("amount")),
        currency=str(payment.get("currency") or "").upper(),
        billing_reason="subscription_create" if paid_count == 1 else "subscription_cycle",
        observed=observed,
    )


def subscription_state(
    subscription: dict[str, Any],
    *,
    event_id: str,
    event_type: str,
    occurred_at: dt.datetime | None,
    observed: bool = False,
) -> SubscriptionEventData:
    """A Razorpay subscription entity (a subscription.* event's, or one fetched by
    RazorpayGateway.subscription_fetch) as a state update in our words."""
    now = occurred_at or dt.datetime.now(dt.UTC)
    return SubscriptionEventData(
        **_common(event_id, event_type, subscription, occurred_at),
        kind="subscription",
        status=_status(subscription, now),
        # Razorpay says only that a cancellation is due at the end, through ended_at/end_at:
        # a cancelled subscription has ended, every other state renews.
        cancel_at_period_end=None,
        attempt_count=_amount(subscription.get("auth_attempts")),
        observed=observed,
    )


def invoice_paid_at(invoice: dict[str, Any]) -> dt.datetime | None:
    """When Razorpay says an invoice was paid (its paid_at)."""
    return _when(invoice.get("paid_at"))


def failed_invoice_event(lookup: InvoiceLookup, invoice: dict[str, Any]) -> SubscriptionEventData:
    """payment.failed on a renewal → invoice_failed, once the invoice named its subscription."""
    subscription_id = invoice.get("subscription_id")
    if not isinstance(subscription_id, str) or not subscription_id:
        raise UnknownEventType("payment.failed of an invoice without a subscription")
    payment = lookup.payment
    return SubscriptionEventData(
        gateway=GATEWAY,
        event_id=lookup.event_id,
        event_type=lookup.event_type,
        kind="invoice_failed",
        gateway_subscription_id=subscription_id,
        gateway_customer_id=str(invoice.get("customer_id") or payment.get("customer_id") or ""),
        local_subscription_id=_local_id(invoice.get("notes")),
        gateway_invoice_id=lookup.invoice_id,
        payment_reference=str(payment["id"]),
        amount_minor=_amount(payment.get("amount")),
        currency=str(payment.get("currency") or "").upper(),
        current_period_start=_when(invoice.get("billing_start")),
        current_period_end=_when(invoice.get("billing_end")),
        billing_reason="subscription_cycle",
        occurred_at=lookup.occurred_at,
    )

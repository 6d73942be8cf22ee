"""Stripe Billing's webhook events → SubscriptionEventData (decision 0036).

The shapes are those of the SDK's API version (stripe.api_version, fixtures/): a subscription's
period lives on its items, an invoice names its subscription under parent.subscription_details
and its lines carry pricing.price_details and a period. Older versions put the period on the
subscription and `subscription`, `payment_intent` and `charge` on the invoice; both are read, so
an endpoint still pinned to an older version keeps working.

An invoice's payments are not included in its events (they are "includable"): its payment
reference is then the invoice id, which StripeGateway.payment_refund resolves to the payment.
"""

import datetime as dt
from typing import Any

from kazan.billing.gateways import InvoiceLineData, SubscriptionEventData

GATEWAY = "stripe"
SUBSCRIPTION_TYPES = frozenset(
    {
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    }
)
INVOICE_TYPES = frozenset({"invoice.paid", "invoice.payment_failed"})
# Stripe's subscription statuses in ours; "unpaid" (retries exhausted, kept open) is past due:
# the grace period and suspension are ours to run.
STATUSES = {
    "trialing": "trialing",
    "active": "active",
    "past_due": "past_due",
    "unpaid": "past_due",
    "canceled": "cancelled",
    "incomplete": "incomplete",
    "incomplete_expired": "cancelled",
    "paused": "paused",
}


class NotASubscriptionEvent(Exception):
    """A well-formed event that concerns no subscription (a one-off invoice): ignored."""


def subscription_event_parse(event: dict[str, Any]) -> SubscriptionEventData:
    """A verified customer.subscription.*, invoice.* or subscription-mode
    checkout.session.completed event in our words. Raises ValueError when malformed."""
    event_type = str(event["type"])
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        raise ValueError("the event carries no object")
    common: dict[str, Any] = {
        "gateway": GATEWAY,
        "event_id": str(event["id"]),
        "event_type": event_type,
        "occurred_at": _time(event.get("created")),
    }
    if event_type in SUBSCRIPTION_TYPES:
        return subscription_object_parse(obj, common)
    if event_type in INVOICE_TYPES:
        return invoice_object_parse(obj, common, paid=event_type == "invoice.paid")
    if event_type == "checkout.session.completed":
        return _checkout(obj, common)
    raise ValueError(f"not a subscription event: {event_type}")


def subscription_object_parse(sub: dict[str, Any], common: dict[str, Any]) -> SubscriptionEventData:
    """A Stripe subscription object (a customer.subscription.* event's, or one retrieved by
    StripeGateway.subscription_fetch) in our words; `common` holds the event's own fields
    (gateway, event_id, event_type, occurred_at…). Raises ValueError when malformed."""
    if sub.get("object") != "subscription" or not _text(sub.get("id")):
        raise ValueError("the event carries no subscription")
    status = sub.get("status")
    if status not in STATUSES:
        raise ValueError("unknown subscription status")
    items = _list(sub.get("items"))
    item = items[0] if items else {}
    # The period is the item's (API 2025-03-31 and later), else the subscription's.
    start = item.get("current_period_start", sub.get("current_period_start"))
    end = item.get("current_period_end", sub.get("current_period_end"))
    return SubscriptionEventData(
        **common,
        kind="subscription",
        gateway_subscription_id=_text(sub["id"]),
        gateway_customer_id=id_of(sub.get("customer")),
        local_subscription_id=_local_id(sub.get("metadata")),
        status=STATUSES[status],
        price_id=id_of(item.get("price")),
        current_period_start=_time(start),
        current_period_end=_time(end),
        cancel_at_period_end=bool(sub.get("cancel_at_period_end")),
    )


def invoice_object_parse(
    invoice: dict[str, Any], common: dict[str, Any], *, paid: bool
) -> SubscriptionEventData:
    """A Stripe invoice object (an invoice.paid / invoice.payment_failed event's, or a
    subscription's latest_invoice retrieved by StripeGateway.subscription_fetch) in our words.
    Raises ValueError when malformed, NotASubscriptionEvent when it bills no subscription."""
    if invoice.get("object") != "invoice" or not _text(invoice.get("id")):
        raise ValueError("the event carries no invoice")
    if invoice.get("parent") is not None and not isinstance(invoice.get("parent"), dict):
        raise ValueError("the invoice's parent is not an object")
    details = _dict(_dict(invoice.get("parent")).get("subscription_details"))
    subscription_id = id_of(details.get("subscription") or invoice.get("subscription"))
    if not subscription_id:
        raise NotASubscriptionEvent(invoice["id"])
    metadata = _invoice_metadata(invoice)
    lines = tuple(_line(line) for line in _list(invoice.get("lines")))
    # The subscription's new period: the line of the plan itself (not a proration).
    plan_lines = [line for line in _list(invoice.get("lines")) if not _proration(line)]
    period = _dict(plan_lines[0].get("period")) if plan_lines else {}
    amount = invoice.get("amount_paid" if paid else "amount_due")
    attempts = invoice.get("attempt_count")
    return SubscriptionEventData(
        **common,
        kind="invoice_paid" if paid else "invoice_failed",
        gateway_subscription_id=subscription_id,
        gateway_customer_id=id_of(invoice.get("customer")),
        local_subscription_id=_local_id(metadata),
        price_id=_line_price(plan_lines[0]) if plan_lines else "",
        current_period_start=_time(period.get("start")),
        current_period_end=_time(period.get("end")),
        gateway_invoice_id=_text(invoice["id"]),
        payment_reference=_payment_reference(invoice),
        amount_minor=amount if isinstance(amount, int) else None,
        currency=_text(invoice.get("currency")).upper(),
        billing_reason=_text(invoice.get("billing_reason")),
        lines=lines,
        attempt_count=attempts if isinstance(attempts, int) else None,
        next_attempt_at=_time(invoice.get("next_payment_attempt")),
    )


def invoice_paid_at(invoice: dict[str, Any]) -> dt.datetime | None:
    """When Stripe says the invoice was paid (status_transitions.paid_at)."""
    return _time(_dict(invoice.get("status_transitions")).get("paid_at"))


def _checkout(session: dict[str, Any], common: dict[str, Any]) -> SubscriptionEventData:
    """The payer finished Checkout: links Stripe's subscription and customer to ours; the state
    itself comes with customer.subscription.* and invoice.paid."""
    if session.get("object") != "checkout.session" or session.get("mode") != "subscription":
        raise ValueError("not a subscription checkout session")
    subscription_id = id_of(session.get("subscription"))
    if not subscription_id:
        raise ValueError("the session names no subscription")
    local = _local_id(session.get("metadata")) or _local_id(
        {"subscription_id": session.get("client_reference_id")}
    )
    return SubscriptionEventData(
        **common,
        kind="subscription",
        gateway_subscription_id=subscription_id,
        gateway_customer_id=id_of(session.get("customer")),
        local_subscription_id=local,
    )


def _invoice_metadata(invoice: dict[str, Any]) -> Any:
    details = _dict(_dict(invoice.get("parent")).get("subscription_details"))
    return details.get("metadata") or _dict(invoice.get("subscription_details")).get("metadata")


def metadata_business_id(event: dict[str, Any]) -> int | None:
    """The business id in the metadata we sent with the subscription (checked against the
    subscription its subscription_id names); None when there is none."""
    obj = _dict(_dict(event.get("data")).get("object"))
    metadata = _invoice_metadata(obj) if obj.get("object") == "invoice" else obj.get("metadata")
    return _local_id(metadata, "business_id")


def _line(line: dict[str, Any]) -> InvoiceLineData:
    """One line; an empty description is left for plan_events to name after the plan."""
    period = _dict(line.get("period"))
    amount, quantity = line.get("amount"), line.get("quantity")
    if not isinstance(amount, int):
        raise ValueError("an invoice line without an amount")
    return InvoiceLineData(
        description=_text(line.get("description"))[:300],
        amount_minor=amount,
        quantity=quantity if isinstance(quantity, int) and quantity > 0 else 1,
        period_start=_time(period.get("start")),
        period_end=_time(period.get("end")),
    )


def _proration(line: dict[str, Any]) -> bool:
    details = _dict(_dict(line.get("parent")).get("subscription_item_details"))
    return bool(details.get("proration", line.get("proration")))


def _line_price(line: dict[str, Any]) -> str:
    pricing = _dict(line.get("pricing"))
    price = _dict(pricing.get("price_details")).get("price") or line.get("price")
    return id_of(price)


def _payment_reference(invoice: dict[str, Any]) -> str:
    """The PaymentIntent (or Charge) that paid the invoice, where the event says it; else the
    invoice id (the refund finds the payment through it)."""
    for entry in _list(invoice.get("payments")):
        payment = _dict(entry.get("payment"))
        if entry.get("status", "paid") == "paid":
            found = id_of(payment.get("payment_intent")) or id_of(payment.get("charge"))
            if found:
                return found
    legacy = id_of(invoice.get("payment_intent")) or id_of(invoice.get("charge"))
    return legacy or _text(invoice["id"])


def _list(value: Any) -> list[dict[str, Any]]:
    """A Stripe list object's entries (dicts only)."""
    data = value.get("data") if isinstance(value, dict) else None
    return [entry for entry in data if isinstance(entry, dict)] if isinstance(data, list) else []


def _dict(value: Any) -> dict[str, Any]:
    """A nested object, or {} when a signed but malformed event has something else there."""
    return value if isinstance(value, dict) else {}


def _local_id(metadata: Any, key: str = "subscription_id") -> int | None:
    raw = metadata.get(key) if isinstance(metadata, dict) else None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) <= 18:
        return int(raw)
    return None


def id_of(value: Any) -> str:
    """An expandable field: the id, or the expanded object's id."""
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _time(value: Any) -> dt.datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**37:
        return dt.datetime.fromtimestamp(value, tz=dt.UTC)
    return None

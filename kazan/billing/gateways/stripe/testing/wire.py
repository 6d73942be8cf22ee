"""Stripe's wire format for the fake: the bracket form encoding, the documented event payloads
(fixtures/) and webhook signing exactly as Stripe does it (t=<unix>,v1=HMAC-SHA256("t.body"))."""

import json
import re
import secrets
import time
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import parse_qsl

import stripe
from django.test import Client

SECRET_KEY = "sk_test_fake_0123456789abcdefghijklmnop"  # noqa: S105 - the fake's own
WEBHOOK_SECRET = "whsec_fake_0123456789abcdefghijklmnopqrstuv"  # noqa: S105
WEBHOOK_URL = "/hooks/stripe/"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
API_VERSION = stripe.api_version
EVENT_FIXTURES = {
    "checkout.session.completed": "checkout_session_completed.json",
    "checkout.session.async_payment_succeeded": "checkout_session_async_payment_succeeded.json",
    "checkout.session.async_payment_failed": "checkout_session_async_payment_failed.json",
    "checkout.session.expired": "checkout_session_expired.json",
    "customer.subscription.created": "customer_subscription_created.json",
    "customer.subscription.updated": "customer_subscription_updated.json",
    "customer.subscription.deleted": "customer_subscription_deleted.json",
    "invoice.paid": "invoice_paid.json",
    "invoice.payment_failed": "invoice_payment_failed.json",
}
_KEY = re.compile(r"[^\[\]]+")


class Delivery(NamedTuple):
    """One webhook delivery as Stripe makes it: the raw body and its Stripe-Signature header."""

    body: bytes
    signature: str

    @property
    def event(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


def fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded


def new_id(prefix: str, size: int = 12) -> str:
    return f"{prefix}_{secrets.token_hex(size)}"


def event_build(
    event_type: str, obj: dict[str, Any], *, previous: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The event Stripe sends about `obj`: the documented envelope for `event_type`."""
    event = fixture(EVENT_FIXTURES[event_type])
    event["id"] = new_id("evt")
    event["created"] = int(time.time())
    event["data"] = {"object": json.loads(json.dumps(obj))}
    if previous is not None:
        event["data"]["previous_attributes"] = previous
    return event


def sign(
    event: dict[str, Any] | str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None
) -> Delivery:
    body = event if isinstance(event, str) else json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=timestamp)
    return Delivery(body.encode(), header)


def webhook_post(client: Client, delivery: Delivery) -> Any:
    """POSTs one delivery to our webhook the way Stripe does; the test client's response."""
    return client.post(
        WEBHOOK_URL,
        data=delivery.body,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )


def form_decode(raw: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested data: a[b][0][c]=v → {"a": {"b": [{"c": v}]}}."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(raw, keep_blank_values=True):
        parts = _KEY.findall(key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    converted: dict[str, Any] = _lists(root)
    return converted


def _lists(node: Any) -> Any:
    """Dicts keyed 0, 1, 2… (Stripe's array encoding) become lists."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted

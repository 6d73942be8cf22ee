"""A local fake of Stripe (Checkout, Billing) speaking its wire format, for tests, the demo and
the end-to-end browser tests that drive the official SDK against it (decision 0036).

    with FakeStripe() as fake:
        stripe_configure(settings, fake)
        started = ...                               # our code calls the SDK: a Checkout Session
        # the payer: GET started.redirect_url → the hosted page; click #pay (or fake.pay(id))
        for delivery in fake.events_for_completion(session_id):
            webhook_post(client, delivery)         # checkout.session.completed,
                                                    # customer.subscription.created, invoice.paid
        gateway.subscription_change(...)            # an upgrade → fake.events_take():
                                                    # customer.subscription.updated, invoice.paid
        fake.renewal_fail(sub_id)                   # invoice.payment_failed + updated (past_due)
        fake.renewal_pay(sub_id)                    # invoice.paid + updated (active)
        fake.renewal_end(sub_id)                    # cancelled at period end: deleted

Every helper returns Delivery(body: bytes, signature: str) tuples, signed with the webhook
secret exactly as Stripe signs (t=<unix time>,v1=HMAC-SHA256 of "<t>.<body>").
"""

from typing import Any

from kazan.billing.gateways.stripe.testing.server import FakeStripe, RecordedRequest
from kazan.billing.gateways.stripe.testing.wire import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    Delivery,
    fixture,
    form_decode,
    sign,
    webhook_post,
)


def stripe_configure(settings: Any, fake: FakeStripe) -> None:
    """Points the app at the fake (pytest-django's `settings` fixture restores it after)."""
    settings.STRIPE_SECRET_KEY = fake.secret_key
    settings.STRIPE_WEBHOOK_SECRET = fake.webhook_secret
    settings.STRIPE_API_BASE = fake.url
    settings.PUBLIC_URL = "https://kazan.example"


__all__ = [
    "SECRET_KEY",
    "WEBHOOK_SECRET",
    "WEBHOOK_URL",
    "Delivery",
    "FakeStripe",
    "RecordedRequest",
    "fixture",
    "form_decode",
    "sign",
    "stripe_configure",
    "webhook_post",
]

import json

import pytest
import stripe

from kazan.billing.gateways.stripe.testing import (
    WEBHOOK_SECRET,
    WEBHOOK_URL,
    FakeStripe,
    stripe_configure,
)


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def stripe_settings(settings, fake_stripe):
    """The app configured for Stripe, with the official SDK pointed at the local fake."""
    settings.PAYMENT_GATEWAY = "stripe"
    stripe_configure(settings, fake_stripe)
    return settings


def signed(event: dict | str, *, secret: str = WEBHOOK_SECRET, timestamp=None) -> dict:
    """Request kwargs for the test client: the body and Stripe's signature header for it."""
    payload = event if isinstance(event, str) else json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)
    return {
        "data": payload,
        "content_type": "application/json",
        "HTTP_STRIPE_SIGNATURE": header,
    }


@pytest.fixture
def deliver(client):
    """POSTs an event to the webhook the way Stripe does (signed with the endpoint secret)."""

    def post(event: dict, **kwargs):
        return client.post(WEBHOOK_URL, **signed(event, **kwargs))

    return post

import pytest

from kazan.billing.gateways.razorpay.tests.fake_razorpay import (
    KEY_ID,
    KEY_SECRET,
    WEBHOOK_SECRET,
    FakeRazorpay,
)


@pytest.fixture
def fake_razorpay():
    with FakeRazorpay() as fake:
        yield fake


@pytest.fixture
def razorpay_settings(settings, fake_razorpay):
    """The app configured for Razorpay, with the official SDK pointed at the local fake."""
    settings.PAYMENT_GATEWAY = "razorpay"
    settings.RAZORPAY_KEY_ID = KEY_ID
    settings.RAZORPAY_KEY_SECRET = KEY_SECRET
    settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.RAZORPAY_API_BASE = fake_razorpay.url
    settings.RAZORPAY_CHECKOUT_JS = f"{fake_razorpay.url}/v1/checkout.js"
    settings.PUBLIC_URL = "https://kazan.example"
    return settings

"""Fixtures of the order payment tests: billing's fake Stripe and signed webhook delivery."""

from kazan.billing.gateways.stripe.tests.conftest import (  # noqa: F401 - fixtures
    deliver,
    fake_stripe,
    stripe_settings,
)

from kazan.billing.gateways.stripe.tests.conftest import (  # noqa: F401 - fixtures
    deliver,
    fake_stripe,
    stripe_settings,
)

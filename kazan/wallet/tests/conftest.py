from kazan.billing.gateways.oxapay.tests.conftest import (  # noqa: F401 - fixtures
    fake_oxapay,
    oxapay_settings,
)
from kazan.billing.gateways.stripe.tests.conftest import (  # noqa: F401 - fixtures
    deliver,
    fake_stripe,
    stripe_settings,
)

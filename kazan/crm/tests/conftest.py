from kazan.billing.gateways.oxapay.tests.conftest import (  # noqa: F401 - fixtures
    fake_oxapay,
    oxapay_settings,
)

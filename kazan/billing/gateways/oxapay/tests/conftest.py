import pytest

from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY, FakeOxaPay, oxapay_configure

BUSINESS_KEY = "OXA-FAKE-BUSINESS-A-00000000000000"
OTHER_KEY = "OXA-FAKE-BUSINESS-B-11111111111111"


@pytest.fixture
def fake_oxapay():
    with FakeOxaPay(keys={MERCHANT_KEY, BUSINESS_KEY, OTHER_KEY}) as fake:
        yield fake


@pytest.fixture
def oxapay_settings(settings, fake_oxapay):
    """The app configured for OxaPay with the platform's key, pointed at the local fake."""
    oxapay_configure(settings, fake_oxapay)
    return settings

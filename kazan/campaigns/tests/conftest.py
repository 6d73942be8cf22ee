import pytest

from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.tests.factories import credits_given


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = "https://kz.example"


@pytest.fixture
def customers(business, consent_wordings):
    """Three customers of `business` who agreed to SMS offers, and one who never did."""
    agreed = [
        CustomerFactory(business=business, name=name, language=language)
        for name, language in [("Anna", "de"), ("Ben", "en"), ("Cem", "tr")]
    ]
    for customer in agreed:
        consent_given(customer)
    CustomerFactory(business=business, name="Never Asked")
    return agreed


@pytest.fixture
def funded(business):
    credits_given(business, 100)
    return business

import pytest

from kazan.campaigns.testing import telegram_user
from kazan.customers.models import ConsentWording
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


@pytest.fixture
def bot(business, fake_bot_api):
    from kazan.channels.providers.telegram.testing import telegram_connected

    return telegram_connected(business, fake_bot_api)


@pytest.fixture
def tg_audience(business, bot, consent_wordings):
    """Three Telegram users who agreed to offers, one who did not, and an SMS-only customer."""
    ConsentWording.objects.get_or_create(
        purpose="telegram_marketing",
        version="test-1",
        language="en",
        defaults={"text": "I agree to receive offers in Telegram."},
    )
    agreed = [
        telegram_user(business, name, chat)
        for name, chat in [("Anna", "1001"), ("Ben", "1002"), ("Cem", "1003")]
    ]
    silent = telegram_user(business, "Dora", "1004", consent=False)
    sms_only = CustomerFactory(business=business, name="Eve")
    consent_given(sms_only)
    return {"agreed": agreed, "silent": silent, "sms_only": sms_only}

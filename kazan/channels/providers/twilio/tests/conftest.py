import pytest

from kazan.channels.providers.twilio.tests.fake_twilio import FakeTwilio
from kazan.channels.tests.factories import BUSINESS_NUMBER

FROM_NUMBER = "+15005550006"


@pytest.fixture
def fake_twilio():
    with FakeTwilio() as fake:
        yield fake


@pytest.fixture
def twilio_settings(settings, fake_twilio):
    """The app configured for Twilio, with the official SDK pointed at the local fake."""
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = fake_twilio.account_sid
    settings.TWILIO_AUTH_TOKEN = fake_twilio.auth_token
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_BASE_URL = fake_twilio.url
    return settings


@pytest.fixture
def platform_twilio(twilio_settings, fake_twilio):
    """The platform's Twilio account and a business's own are both at the fake, which knows
    the business's number (and the platform's) as incoming numbers of the account."""
    fake_twilio.numbers.update({BUSINESS_NUMBER, FROM_NUMBER})
    return fake_twilio

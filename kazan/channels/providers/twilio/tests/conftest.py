import pytest

from kazan.channels.providers.twilio.tests.fake_twilio import FakeTwilio
from kazan.channels.providers.twilio.tests.signing import PLATFORM_TOKEN, PUBLIC_URL
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields

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


@pytest.fixture
def inbound_settings(settings, platform_twilio):
    """Webhooks signed against PUBLIC_URL; the platform's own token differs from the business's
    (the fake's), so a test sees which one verified."""
    settings.PUBLIC_URL = PUBLIC_URL
    settings.TWILIO_AUTH_TOKEN = PLATFORM_TOKEN
    return settings


@pytest.fixture
def installed(business, owner):
    """The business's own Twilio number (at the fake), with credits for the replies."""
    from kazan.channels.services import installation_connect
    from kazan.messaging.tests.factories import credits_given

    credits_given(business, 20)
    return installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields()
    )

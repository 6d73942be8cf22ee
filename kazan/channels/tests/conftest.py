"""Fixtures for the channels tests: the local fake Twilio and a business's own installation."""

import pytest

from kazan.channels.providers.twilio.tests.conftest import FROM_NUMBER, fake_twilio, twilio_settings
from kazan.channels.providers.twilio.tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

__all__ = ["fake_twilio", "twilio_settings"]

BUSINESS_NUMBER = "+15017122661"  # the `To` of Twilio's documented inbound payloads


def connect_fields(**overrides) -> dict[str, str]:
    return {
        "label": "Front desk",
        "account_sid": ACCOUNT_SID,
        "auth_token": AUTH_TOKEN,
        "from_number": BUSINESS_NUMBER,
        "messaging_service_sid": "",
        **overrides,
    }


@pytest.fixture
def platform_twilio(twilio_settings, fake_twilio):
    """The platform's Twilio account and the business's own are both at the fake; the fake
    knows the business's number as one of the account's incoming numbers."""
    fake_twilio.numbers.add(BUSINESS_NUMBER)
    fake_twilio.numbers.add(FROM_NUMBER)
    return fake_twilio

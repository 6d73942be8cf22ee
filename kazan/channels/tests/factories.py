"""What a business types into the Channels page's connect form, for tests."""

from kazan.channels.providers.twilio.tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN

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

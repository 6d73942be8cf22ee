"""The Twilio adapter, driving the official SDK against the local fake Twilio."""

import base64

import pytest
from django.core.exceptions import ImproperlyConfigured

from kazan.channels.providers.twilio.provider import TwilioSmsProvider, error_classify
from kazan.channels.providers.twilio.tests.conftest import FROM_NUMBER
from kazan.channels.providers.twilio.tests.fake_twilio import IDEMPOTENCY_HEADER
from kazan.messaging.transports import (
    PermanentProviderError,
    SmsRequest,
    TransientProviderError,
    sms_provider,
)

TO = "+4915112345678"
CALLBACK = "https://kazan.example/hooks/twilio/status"


def _request(**overrides) -> SmsRequest:
    values = {
        "to": TO,
        "body": "Your code is 123456",
        "from_": "",
        "idempotency_key": "0b7f3c1e-token",
        "status_callback_url": CALLBACK,
    }
    values.update(overrides)
    return SmsRequest(**values)


def test_send_posts_twilios_wire_format_and_returns_the_sid(twilio_settings, fake_twilio):
    provider = sms_provider()
    assert isinstance(provider, TwilioSmsProvider)
    result = provider.send(_request())
    # The SDK spoke to the fake (base URL override), form-encoded with basic auth
    (request,) = fake_twilio.sends()
    assert request.path == f"/2010-04-01/Accounts/{fake_twilio.account_sid}/Messages.json"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    user, _, password = (
        base64.b64decode(request.headers["authorization"][6:]).decode().partition(":")
    )
    assert (user, password) == (fake_twilio.account_sid, fake_twilio.auth_token)
    assert request.form == {
        "To": TO,
        "From": FROM_NUMBER,
        "Body": "Your code is 123456",
        "StatusCallback": CALLBACK,
    }
    assert request.headers[IDEMPOTENCY_HEADER.lower()] == "0b7f3c1e-token"
    # And the answer is Twilio's message resource
    assert result.provider_message_id.startswith("SM")
    assert len(result.provider_message_id) == 34
    assert result.status == "queued"


def test_messaging_service_is_used_when_configured(twilio_settings, fake_twilio):
    twilio_settings.TWILIO_FROM_NUMBER = ""
    twilio_settings.TWILIO_MESSAGING_SERVICE_SID = "MG9752274e9e519418a7406176694466fa"
    result = sms_provider().send(_request(status_callback_url=""))
    (request,) = fake_twilio.sends()
    assert request.form["MessagingServiceSid"] == "MG9752274e9e519418a7406176694466fa"
    assert "From" not in request.form
    assert "StatusCallback" not in request.form
    assert result.status == "accepted"


def test_same_idempotency_token_gets_the_first_message_back(twilio_settings, fake_twilio):
    provider = sms_provider()
    first = provider.send(_request(idempotency_key="same"))
    again = provider.send(_request(idempotency_key="same"))
    other = provider.send(_request(idempotency_key="other"))
    assert again.provider_message_id == first.provider_message_id
    assert other.provider_message_id != first.provider_message_id
    assert len(fake_twilio.messages) == 2
    assert len(fake_twilio.sends()) == 3


@pytest.mark.parametrize(
    ("status", "code", "expected", "expected_code"),
    [
        (400, 21211, PermanentProviderError, "21211"),
        (400, 21610, PermanentProviderError, "21610"),
        (400, 21614, PermanentProviderError, "21614"),
        (429, 20429, TransientProviderError, "20429"),
        (500, 20500, TransientProviderError, "20500"),
        (503, None, TransientProviderError, "20500"),
    ],
)
def test_twilio_errors_map_to_transient_or_permanent(
    twilio_settings, fake_twilio, status, code, expected, expected_code
):
    fake_twilio.fail_next(status=status, code=code, message="Nope")
    with pytest.raises(expected) as error:
        sms_provider().send(_request())
    assert error.value.code == expected_code


def test_unsubscribed_recipient_is_permanent(twilio_settings, fake_twilio):
    fake_twilio.unsubscribed.add(TO)
    with pytest.raises(PermanentProviderError) as error:
        sms_provider().send(_request())
    assert error.value.code == "21610"
    assert fake_twilio.messages == {}


def test_invalid_number_is_permanent_and_the_number_is_not_kept(twilio_settings, fake_twilio):
    with pytest.raises(PermanentProviderError) as error:
        sms_provider().send(_request(to="+0049151123456"))
    assert error.value.code == "21211"
    # Twilio's message quotes the number; what we keep does not
    assert "0049151123456" not in error.value.message
    assert "[phone]" in error.value.message


def test_wrong_credentials_are_transient_so_messages_survive_a_config_fix(
    twilio_settings, fake_twilio
):
    twilio_settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(TransientProviderError) as error:
        sms_provider().send(_request())
    assert error.value.code == "20003"


def test_dropped_connection_is_transient(twilio_settings, fake_twilio):
    fake_twilio.disconnect_next()
    with pytest.raises(TransientProviderError) as error:
        sms_provider().send(_request())
    assert error.value.code == "network"


def test_unreachable_twilio_is_transient(twilio_settings, fake_twilio):
    twilio_settings.TWILIO_BASE_URL = "http://127.0.0.1:9"  # discard port: connection refused
    with pytest.raises(TransientProviderError):
        sms_provider().send(_request())


def test_missing_configuration_is_reported(settings):
    settings.SMS_PROVIDER = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured):
        sms_provider()
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    with pytest.raises(ImproperlyConfigured):
        sms_provider()


def test_error_classification_of_other_statuses():
    assert isinstance(error_classify(status=404, code=20404, text="x"), PermanentProviderError)
    assert isinstance(error_classify(status=408, code=None, text="x"), TransientProviderError)
    assert isinstance(error_classify(status=502, code=None, text="x"), TransientProviderError)

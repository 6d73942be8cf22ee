"""POST /hooks/twilio/status, replaying Twilio's documented status callback payloads
(fixtures/) signed the way Twilio signs them."""

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from kazan.channels.providers.twilio.tests.signing import PUBLIC_URL, twilio_fixture, twilio_post
from kazan.messaging.models import Kind, SmsCreditEntry, Status
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import sms_send
from kazan.messaging.tests.factories import PHONE, OutboundMessageFactory, credits_given

pytestmark = pytest.mark.django_db

TOKEN = "webhook-test-auth-token"
SID = "SM1f0e2ae1a4d04c8d8a2b6b3f0c9e7d51"  # the MessageSid in every fixture


def fixture(name: str) -> dict[str, str]:
    return twilio_fixture(f"status_{name}")


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    settings.PUBLIC_URL = PUBLIC_URL


def post(client, params: dict, *, signature: str | None = "sign", token: str = TOKEN):
    return twilio_post(client, "hooks:twilio_status", params, token=token, signature=signature)


@pytest.fixture
def sent_message(business):
    """A message the worker handed to Twilio, charged 1 credit (balance afterwards: 4)."""
    credits_given(business, 5)
    message = sms_send(business=business, to=PHONE, body="Hello", purpose="transactional")
    type(message).objects.filter(pk=message.pk).update(
        status=Status.SENT, provider="twilio", provider_message_id=SID
    )
    message.refresh_from_db()
    return message


def test_fixtures_are_twilios_documented_shape():
    for name in ["queued", "sent", "delivered", "undelivered", "failed"]:
        params = fixture(name)
        assert params["MessageSid"] == params["SmsSid"] == SID
        assert params["MessageStatus"] == params["SmsStatus"] == name
        assert params["ApiVersion"] == "2010-04-01"
    assert fixture("undelivered")["ErrorCode"] == "30003"


def test_delivered_callback_marks_the_message_delivered(client, sent_message):
    response = post(client, fixture("delivered"))
    assert response.status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == Status.DELIVERED
    assert sent_message.delivered_at is not None


def test_sent_then_delivered_in_order(client, sent_message):
    type(sent_message).objects.filter(pk=sent_message.pk).update(status=Status.SENDING)
    assert post(client, fixture("sent")).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == Status.SENT
    assert post(client, fixture("delivered")).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == Status.DELIVERED


def test_late_sent_never_overwrites_delivered(client, sent_message):
    post(client, fixture("delivered"))
    response = post(client, fixture("sent"))
    assert response.status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == Status.DELIVERED


def test_a_failure_after_delivery_changes_nothing(client, sent_message):
    post(client, fixture("delivered"))
    post(client, fixture("failed"))
    sent_message.refresh_from_db()
    assert sent_message.status == Status.DELIVERED
    assert sms_balance(business=sent_message.business) == 4


def test_failed_refunds_once_however_often_twilio_repeats_it(client, sent_message):
    for _ in range(3):
        assert post(client, fixture("failed")).status_code == 200
    sent_message.refresh_from_db()
    assert (sent_message.status, sent_message.error_code) == (Status.FAILED, "30008")
    assert sms_balance(business=sent_message.business) == 5
    assert SmsCreditEntry.objects.filter(message=sent_message, kind=Kind.REFUND).count() == 1


def test_undelivered_fails_the_message_but_keeps_the_credits(client, sent_message):
    # Twilio bills undelivered messages (the carrier had them), so no refund
    assert post(client, fixture("undelivered")).status_code == 200
    sent_message.refresh_from_db()
    assert (sent_message.status, sent_message.error_code) == (Status.FAILED, "30003")
    assert sms_balance(business=sent_message.business) == 4
    assert not SmsCreditEntry.objects.filter(kind=Kind.REFUND).exists()


def test_repeated_delivered_changes_nothing(client, sent_message):
    post(client, fixture("delivered"))
    sent_message.refresh_from_db()
    first = (sent_message.status, sent_message.delivered_at, sent_message.updated_at)
    post(client, fixture("delivered"))
    sent_message.refresh_from_db()
    assert (sent_message.status, sent_message.delivered_at, sent_message.updated_at) == first


def test_queued_says_nothing_new(client, sent_message):
    assert post(client, fixture("queued")).status_code == 200
    sent_message.refresh_from_db()
    assert sent_message.status == Status.SENT


def test_unknown_sid_is_acknowledged_and_logged(client, caplog, business):
    OutboundMessageFactory(
        business=business, provider="twilio", provider_message_id="SM" + "a" * 32
    )
    caplog.set_level("INFO", logger="kazan.hooks.twilio")
    response = post(client, fixture("delivered"))
    assert response.status_code == 200
    assert "unknown message sid" in caplog.text
    assert PHONE not in caplog.text


def test_bad_signature_is_forbidden_and_changes_nothing(client, sent_message):
    response = post(client, fixture("delivered"), token="someone-elses-token")
    assert response.status_code == 403
    sent_message.refresh_from_db()
    assert sent_message.status == Status.SENT


def test_missing_signature_is_forbidden(client, sent_message):
    assert post(client, fixture("delivered"), signature=None).status_code == 403


def test_tampered_payload_is_forbidden(client, sent_message):
    params = fixture("sent")
    signature = RequestValidator(TOKEN).compute_signature(
        PUBLIC_URL + reverse("hooks:twilio_status"), params
    )
    params["MessageStatus"] = "failed"
    response = client.post(
        reverse("hooks:twilio_status"), params, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 403


def test_no_auth_token_configured_refuses_everything(client, settings, sent_message):
    settings.TWILIO_AUTH_TOKEN = ""
    assert post(client, fixture("delivered")).status_code == 403


@pytest.mark.parametrize(
    "change",
    [
        {"MessageSid": ""},
        {"MessageSid": "not-a-sid"},
        {"MessageStatus": "exploded"},
        {"MessageStatus": ""},
        {"ErrorCode": "abc"},
    ],
)
def test_malformed_callbacks_are_bad_requests(client, sent_message, change):
    params = {**fixture("failed"), **change}
    response = post(client, params)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    sent_message.refresh_from_db()
    assert sent_message.status == Status.SENT


def test_only_post_is_allowed(client):
    assert client.get(reverse("hooks:twilio_status")).status_code == 405


def test_webhook_needs_no_csrf_token_and_sets_no_session(sent_message):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = post(strict, fixture("delivered"))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies

"""The channel-neutral outbox: message_send validates the payload, renders its text preview,
charges credits only where the channel costs them, remembers the installation, and delivery
sends through that installation's account (or the platform's), rendered at send time; status
callbacks are checked with the token of the account the message went through."""

import importlib

import pytest
from django.apps import apps as django_apps

from kazan.channels.providers.twilio.tests.conftest import FROM_NUMBER
from kazan.channels.providers.twilio.tests.signing import PUBLIC_URL
from kazan.channels.services import installation_connect, installation_disconnect
from kazan.channels.tests.factories import (
    BUSINESS_NUMBER,
    connect_fields,
)
from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging import gdpr
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import message_send, sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given

pytestmark = pytest.mark.django_db

CHOICES = {
    "replies": [
        {"type": "text", "text": "Did you enjoy it?"},
        {
            "type": "choices",
            "choices": [{"value": "y", "label": "Yes"}, {"value": "n", "label": "No"}],
        },
    ]
}


def _send(business, payload=CHOICES, **kwargs):
    values = {"channel": "sms", "to": PHONE, "purpose": "transactional", **kwargs}
    return message_send(business=business, payload=payload, **values)


def test_sms_stores_the_payload_and_its_numbered_text_and_charges_segments(business):
    credits_given(business, 5)
    message = _send(business)
    assert message.payload == CHOICES
    assert message.body == "Did you enjoy it?\n1. Yes\n2. No"
    assert (message.channel, message.credits, message.installation) == ("sms", 1, None)
    assert sms_balance(business=business) == 4


def test_sms_send_is_message_send_with_one_text_reply(business):
    credits_given(business, 5)
    message = sms_send(business=business, to=PHONE, body=" Hello ", purpose="transactional")
    assert message.payload == {"replies": [{"type": "text", "text": "Hello"}]}
    assert message.body == "Hello"


def test_web_messages_cost_nothing_and_are_delivered_by_the_thread(business):
    message = _send(business, channel="web", to="session-token-1")
    assert (message.credits, message.body) == (0, "Did you enjoy it?\n1. Yes\n2. No")
    assert sms_balance(business=business) == 0
    tasks_run_all()
    message.refresh_from_db()
    assert message.status == Status.DELIVERED and message.provider == "web"


@pytest.mark.parametrize(
    "payload",
    [{}, {"replies": []}, {"replies": "hi"}, {"replies": [{"type": "hologram"}]}, {"replies": [1]}],
)
def test_malformed_payloads_are_refused(business, payload):
    credits_given(business, 5)
    with pytest.raises(ValidationFailed):
        _send(business, payload=payload)
    assert not OutboundMessage.objects.exists()


def test_unknown_channel_and_channel_without_default_are_refused(business):
    with pytest.raises(ValidationFailed, match="cannot send"):
        _send(business, channel="pigeon")


def test_another_business_installation_is_not_found(business, other_business, owner):
    theirs = installation_connect(
        business=other_business, actor=None, provider="twilio", fields=connect_fields()
    )
    with pytest.raises(NotFound):
        _send(business, installation=theirs)


def test_the_business_installation_sends_with_its_own_account(
    business, owner, platform_twilio, settings
):
    settings.PUBLIC_URL = PUBLIC_URL
    installation = installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields()
    )
    credits_given(business, 5)
    message = _send(business)
    assert message.installation == installation
    tasks_run_all()
    message.refresh_from_db()
    assert message.status == Status.SENT
    sent = platform_twilio.sends()[-1]
    assert sent.form["From"] == BUSINESS_NUMBER
    assert sent.form["Body"] == "Did you enjoy it?\n1. Yes\n2. No"
    assert sent.form["StatusCallback"].endswith(f"?installation={installation.pk}")


def test_after_disconnect_queued_messages_go_out_through_the_platform(
    business, owner, platform_twilio
):
    installation = installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields()
    )
    credits_given(business, 5)
    message = _send(business)
    installation_disconnect(business=business, actor=owner, installation=installation)
    tasks_run_all()
    message.refresh_from_db()
    assert message.status == Status.SENT and message.installation is None
    assert platform_twilio.sends()[-1].form["From"] == FROM_NUMBER


def test_status_callback_is_checked_with_the_installations_token(
    client, business, owner, platform_twilio, settings
):
    settings.PUBLIC_URL = PUBLIC_URL
    fields = connect_fields(auth_token="business-own-token-0123456789")
    installation = installation_connect(
        business=business, actor=owner, provider="twilio", fields=fields
    )
    credits_given(business, 5)
    message = _send(business)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENT, provider="twilio", provider_message_id="SM" + "a" * 32
    )
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}

    def post(token):
        return client.post(
            f"/hooks/twilio/status?installation={installation.pk}",
            params,
            headers={"X-Twilio-Signature": _sign(token, installation.pk, params)},
        )

    assert post(settings.TWILIO_AUTH_TOKEN).status_code == 403  # the platform's token
    assert post("business-own-token-0123456789").status_code == 200
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def _sign(token, installation_id, params):
    from twilio.request_validator import RequestValidator

    url = f"{PUBLIC_URL}/hooks/twilio/status?installation={installation_id}"
    return RequestValidator(token).compute_signature(url, params)


def test_gdpr_export_and_erase_reach_the_payload(business):
    customer = CustomerFactory(business=business, phone_e164=PHONE)
    credits_given(business, 5)
    _send(business, customer=customer)
    exported = gdpr.messages_export(business, customer)
    assert exported[0]["payload"] == CHOICES and exported[0]["channel"] == "sms"
    gdpr.messages_erase(business, customer)
    message = OutboundMessage.objects.get()
    assert message.payload == {} and message.body == gdpr.ERASED_BODY


def test_migration_gives_old_rows_a_text_payload(business):
    credits_given(business, 5)
    message = sms_send(business=business, to=PHONE, body="Old text", purpose="transactional")
    OutboundMessage.objects.filter(pk=message.pk).update(payload={})
    migration = importlib.import_module("kazan.messaging.migrations.0005_outbox_payload_backfill")
    migration.backfill(django_apps, None)
    message.refresh_from_db()
    assert message.payload == {"replies": [{"type": "text", "text": "Old text"}]}

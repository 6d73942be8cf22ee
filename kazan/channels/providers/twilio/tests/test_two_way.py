"""Two-way SMS: Twilio's documented inbound payloads (fixtures/), signed the way Twilio signs
them, reach the conversation engine through the stored event and its task; the flow's replies
go out through the outbox from the business's own number (the local fake Twilio).
STOP/START/HELP keep their meaning first; routing by the `To` number, else by who last texted
the sender from the platform's shared number; retries processed once."""

from datetime import timedelta

import pytest
from crontask import scheduler
from django.db import connection
from django.test import Client
from django.utils import timezone

from kazan.channels import tasks
from kazan.channels.models import InboundEvent
from kazan.channels.providers.twilio.tests.signing import (
    PLATFORM_TOKEN,
    twilio_deliver,
    twilio_fixture,
    twilio_post,
    twilio_text,
)
from kazan.channels.services import (
    INBOUND_RETENTION_DAYS,
    inbound_events_purge,
    installation_connect,
)
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields
from kazan.conversations.models import Conversation
from kazan.core.testing import run_in_threads
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given
from kazan.tenancy.tests.factories import BusinessFactory

BUSINESS_TOKEN = connect_fields()["auth_token"]  # the fake Twilio's token: the business's own
SID = twilio_fixture("inbound_text")["MessageSid"]
pytestmark = pytest.mark.usefixtures("inbound_settings")


def post(client, params: dict, *, token: str = BUSINESS_TOKEN, signature="sign"):
    return twilio_deliver(client, params, token=token, signature=signature)


@pytest.mark.django_db
def test_an_sms_to_the_business_number_runs_the_flow_and_the_reply_goes_out_from_it(
    client, business, installed, platform_twilio
):
    response = post(client, twilio_fixture("inbound_text"))
    assert response.status_code == 200
    assert response.content.decode().endswith("<Response></Response>")
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome, event.business) == ("processed", "conversation", business)
    conversation = Conversation.objects.get(business=business)
    assert conversation.channel == "sms"
    reply = OutboundMessage.objects.get(business=business)
    assert (reply.installation, reply.purpose, reply.status) == (
        installed,
        "transactional",
        Status.SENT,
    )
    sent = platform_twilio.sends()[-1]
    assert (sent.form["To"], sent.form["From"]) == (PHONE, BUSINESS_NUMBER)
    assert "Café A" in sent.form["Body"] and "What is your name?" in sent.form["Body"]


@pytest.mark.django_db
def test_the_event_is_stored_encrypted(client, installed):
    post(client, twilio_fixture("inbound_text"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM channels_inboundevent")
        stored = cursor.fetchone()[0]
    assert PHONE not in stored and "Friday" not in stored


@pytest.mark.django_db
def test_the_next_sms_continues_the_conversation(client, business, installed):
    post(client, twilio_fixture("inbound_text"))
    post(client, twilio_text("Anna", MessageSid="SM" + "b" * 32))
    bodies = list(OutboundMessage.objects.order_by("id").values_list("body", flat=True))
    assert len(bodies) == 2 and "Anna" in bodies[1]
    assert Conversation.objects.filter(business=business).count() == 1


@pytest.mark.django_db
def test_a_retry_of_the_same_message_sid_is_processed_once(client, installed):
    post(client, twilio_fixture("inbound_text"))
    assert post(client, twilio_fixture("inbound_text")).status_code == 200
    assert InboundEvent.objects.count() == 1
    assert OutboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_the_platform_token_cannot_sign_for_a_business_number(client, installed):
    assert post(client, twilio_fixture("inbound_text"), token=PLATFORM_TOKEN).status_code == 403
    assert post(client, twilio_fixture("inbound_text"), signature="Zm9v").status_code == 403
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_malformed_payloads_are_400(client, installed):
    assert post(client, twilio_text("hi", MessageSid="nope")).status_code == 400
    assert post(client, twilio_text("hi", From="")).status_code == 400
    assert not InboundEvent.objects.exists()


@pytest.mark.django_db
def test_help_answers_with_the_business_name(client, business, installed):
    post(client, twilio_text("help"))
    reply = OutboundMessage.objects.get()
    assert business.name in reply.body and "STOP" in reply.body
    assert InboundEvent.objects.get().outcome == "help"
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_start_restarts_the_flow_and_grants_nothing(client, business, installed):
    from kazan.customers.models import ConsentRecord

    post(client, twilio_text("START"))
    assert InboundEvent.objects.get().outcome == "start"
    assert Conversation.objects.filter(business=business).exists()
    assert not ConsentRecord.objects.filter(granted=True).exists()


@pytest.mark.django_db
def test_stop_still_withdraws_and_starts_no_conversation(client, installed):
    post(client, twilio_fixture("inbound_stop"))
    assert InboundEvent.objects.get().outcome == "stop"
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_on_the_shared_number_the_business_that_last_texted_the_sender_answers(
    client, business, other_business, platform_twilio, settings
):
    settings.TWILIO_AUTH_TOKEN = BUSINESS_TOKEN  # the platform's account is the fake's here
    credits_given(business, 5)
    credits_given(other_business, 5)
    sms_send(business=other_business, to=PHONE, body="Earlier", purpose="transactional")
    sms_send(business=business, to=PHONE, body="Latest", purpose="transactional")
    post(client, twilio_fixture("inbound_text"))
    assert InboundEvent.objects.get().business == business
    assert Conversation.objects.get().business == business
    reply = OutboundMessage.objects.filter(business=business).latest("id")
    assert reply.installation is None and "What is your name?" in reply.body


@pytest.mark.django_db
def test_an_sms_nobody_can_be_routed_to_is_dropped(client, settings):
    settings.TWILIO_AUTH_TOKEN = BUSINESS_TOKEN
    BusinessFactory()
    post(client, twilio_fixture("inbound_text"))
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome) == ("dropped", "unrouted")
    assert not Conversation.objects.exists()


@pytest.mark.django_db
def test_handled_events_go_after_the_retention_days_unrouted_ones_too(client, settings):
    settings.TWILIO_AUTH_TOKEN = BUSINESS_TOKEN
    BusinessFactory()
    post(client, twilio_fixture("inbound_text"))
    waiting = InboundEvent.objects.create(
        provider="twilio", provider_message_id="SM-waiting", channel="sms"
    )
    later = timezone.now() + timedelta(days=INBOUND_RETENTION_DAYS, minutes=1)

    assert inbound_events_purge(now=timezone.now()) == 0
    assert inbound_events_purge(now=later) == 1  # the dropped one; one still waiting stays
    assert list(InboundEvent.objects.all()) == [waiting]
    job = {job.name: job for job in scheduler.get_jobs()}["inbound_events_purge"]
    assert job.func == tasks.inbound_events_purge.enqueue


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_message_sid_store_one_event(business, owner):
    installation_connect(business=business, actor=owner, provider="twilio", fields=connect_fields())

    def deliver() -> int:
        return twilio_post(
            Client(), "hooks:twilio_inbound", twilio_fixture("inbound_text"), token=BUSINESS_TOKEN
        ).status_code

    statuses = run_in_threads(4, deliver)
    assert statuses == [200] * 4, statuses
    assert InboundEvent.objects.filter(provider_message_id=SID).count() == 1


@pytest.mark.django_db
def test_gdpr_export_and_erase_reach_the_stored_inbound_sms(client, business, installed):
    from kazan.channels import gdpr
    from kazan.customers.tests.factories import CustomerFactory

    post(client, twilio_fixture("inbound_text"))
    customer = CustomerFactory(business=business, phone_e164=PHONE)
    exported = gdpr.inbound_export(business, customer)
    assert [(row["from"], row["text"]) for row in exported] == [(PHONE, "Thanks, see you Friday!")]
    gdpr.inbound_erase(business, customer)
    assert not InboundEvent.objects.exists()


def test_the_parser_normalizes_twilios_documented_payload():
    from kazan.channels.providers.twilio.inbound import MalformedInbound, twilio_parse

    params = twilio_fixture("inbound_text")
    [message] = twilio_parse(params)
    assert (message.provider_message_id, message.sender, message.recipient, message.text) == (
        SID,
        PHONE,
        BUSINESS_NUMBER,
        "Thanks, see you Friday!",
    )
    assert "FromCity" not in message.raw  # only what processing needs is kept
    with pytest.raises(MalformedInbound):
        twilio_parse({**params, "MessageSid": "XX1"})


@pytest.mark.django_db
def test_an_event_whose_task_was_lost_is_swept_up(client, business, installed):
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from kazan.channels.tasks import inbound_sweep

    twilio_post(
        client, "hooks:twilio_inbound", twilio_fixture("inbound_text"), token=BUSINESS_TOKEN
    )
    assert InboundEvent.objects.get().status == "received"  # its on-commit task never ran
    assert inbound_sweep.call() == 0  # too young: its task may still be on the way
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert inbound_sweep.call() == 1
        tasks_run_all()
    assert InboundEvent.objects.get().status == "processed"

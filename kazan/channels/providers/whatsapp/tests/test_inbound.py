"""Meta's documented inbound payloads (fixtures/), signed like Meta signs them, reach the
conversation through the stored event and its task, in seed 002's order (business active?
customer blocked?), and the replies go out through the fake Graph API on the same number."""

import json

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from kazan.channels.models import InboundEvent
from kazan.channels.providers.whatsapp.inbound import whatsapp_parse
from kazan.channels.providers.whatsapp.testing import (
    CUSTOMER_WA_ID,
    wa_button_reply,
    wa_fixture,
    wa_image,
    wa_list_reply,
    wa_order,
    wa_text,
)
from kazan.channels.providers.whatsapp.tests.conftest import deliver
from kazan.channels.services import inbound_process, installation_connect
from kazan.channels.tests.factories import connect_fields
from kazan.conversations import services as conversation_services
from kazan.conversations.models import Conversation
from kazan.customers.models import ChannelIdentity
from kazan.customers.services import customer_block, identity_attach
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.models import OutboundMessage, Status
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db
HANDLE = f"+{CUSTOMER_WA_ID}"


@pytest.fixture
def received(monkeypatch):
    """Each conversation_receive call's arguments (the real function still runs)."""
    calls = []
    real = conversation_services.conversation_receive

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(conversation_services, "conversation_receive", spy)
    return calls


def test_a_text_runs_the_flow_and_the_replies_go_out_on_the_same_number(
    client, business, wa, shop, fake_graph, received
):
    assert deliver(client, wa_fixture("message_text")).status_code == 200
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome, event.business) == ("processed", "conversation", business)
    call = received[0]
    assert (call["channel"], call["handle"]) == ("whatsapp", HANDLE)
    assert call["inbound"].text == "Does it come in another color?"
    assert call["provider_message_id"].startswith("whatsapp:wamid.")
    reply = OutboundMessage.objects.get(business=business)
    assert (reply.channel, reply.installation_id, reply.status) == ("whatsapp", wa.pk, Status.SENT)
    assert reply.provider_message_id.startswith("wamid.FAKE")
    # The greeting and the question: the text became the buttons' body (one message).
    sent = fake_graph.sent
    assert [m["type"] for m in sent] == ["text", "interactive"]
    assert sent[0]["to"] == CUSTOMER_WA_ID and sent[0]["text"]["body"] == "Hi, this is the shop."
    buttons = sent[1]["interactive"]["action"]["buttons"]
    assert [b["reply"] for b in buttons] == [
        {"id": "hours", "title": "Opening hours"},
        {"id": "person", "title": "A person"},
    ]
    assert sent[1]["interactive"]["body"]["text"] == "What do you need?"


def test_the_profile_name_and_the_service_window_are_recorded(client, business, wa, shop):
    before = timezone.now()
    deliver(client, wa_fixture("message_text"))
    identity = ChannelIdentity.objects.get(business=business, channel="whatsapp")
    assert identity.display_name == "Sheena Nelson"
    assert identity.last_inbound_at >= before


@pytest.mark.parametrize(
    ("payload", "choice"),
    [
        (wa_button_reply("hours", "Opening hours"), "hours"),
        (wa_list_reply("hours", "Opening hours"), "hours"),
        (wa_fixture("message_button_reply"), "yes"),
        (wa_fixture("message_list_reply"), "priority_express"),
    ],
    ids=["button", "list", "button-fixture", "list-fixture"],
)
def test_a_button_or_list_reply_is_the_choice(
    client, wa, shop, fake_graph, received, payload, choice
):
    deliver(client, wa_text("hi"))
    deliver(client, payload)
    assert received[-1]["inbound"].payload == {"choice": choice}
    if choice == "hours":
        assert fake_graph.sent[-1]["text"]["body"] == "9 to 5."


def test_an_order_message_reaches_the_conversation_as_an_order(client, wa, received):
    deliver(client, wa_fixture("message_order"))
    assert received[0]["inbound"].payload == {
        "order": {
            "catalog_id": "194836987003835",
            "items": [
                {"retailer_id": "di9ozbzfi4", "quantity": 2, "item_price": "30", "currency": "USD"},
                {"retailer_id": "nqryix03ez", "quantity": 1, "item_price": "25", "currency": "USD"},
            ],
        }
    }
    assert received[0]["inbound"].text == "Here's my order"
    # The builder gives the same shape.
    deliver(client, wa_order([("BOX-1", 3, "45.00", "EUR")]))
    assert received[1]["inbound"].payload["order"]["items"] == [
        {"retailer_id": "BOX-1", "quantity": 3, "item_price": "45.00", "currency": "EUR"}
    ]


def test_an_image_is_fetched_with_the_token_and_stored_privately(
    client, business, wa, fake_graph, received
):
    fake_graph.media_add("1003383421387256", b"\xff\xd8jpeg-bytes", "image/jpeg")
    deliver(client, wa_fixture("message_image"))
    media = received[0]["inbound"].payload["media"]
    assert (media["kind"], media["mime_type"], media["caption"]) == (
        "image",
        "image/jpeg",
        "Black jacket",
    )
    assert received[0]["inbound"].text == "Black jacket"
    assert media["stored"].startswith(f"private/whatsapp/{business.pk}/")
    with default_storage.open(media["stored"]) as stored:
        assert stored.read() == b"\xff\xd8jpeg-bytes"
    assert ("GET", "/v23.0/1003383421387256") in fake_graph.requests
    assert ("GET", "/download/1003383421387256") in fake_graph.requests


def test_every_media_kind_is_received(client, wa, fake_graph, received):
    for media_id, mime in [
        ("2001", "audio/ogg"),
        ("2002", "video/mp4"),
        ("2003", "application/pdf"),
        ("2004", "image/webp"),
    ]:
        fake_graph.media_add(media_id, b"data-" + media_id.encode(), mime)
    deliver(client, wa_fixture("message_media_mixed"))
    kinds = [call["inbound"].payload["media"]["kind"] for call in received]
    assert kinds == ["audio", "video", "document", "sticker"]
    assert all(call["inbound"].payload["media"]["stored"] for call in received)
    assert received[1]["inbound"].text == "Unboxing"


def test_media_that_cannot_be_fetched_still_reaches_the_conversation(client, wa, received):
    deliver(client, wa_image("unknown-media", caption="see this"))
    assert received[0]["inbound"].payload["media"]["stored"] == ""
    assert received[0]["inbound"].text == "see this"


def test_a_replayed_wamid_is_processed_once(client, business, wa, shop, fake_graph):
    payload = wa_fixture("message_text")
    deliver(client, payload)
    deliver(client, payload)
    assert InboundEvent.objects.count() == 1
    assert OutboundMessage.objects.filter(business=business).count() == 1
    assert len(fake_graph.sent) == 2


def test_unsupported_messages_are_skipped(client, wa):
    assert deliver(client, wa_fixture("message_unsupported")).status_code == 200
    assert not InboundEvent.objects.exists()


def test_a_blocked_customer_is_ignored(client, business, wa, shop, fake_graph):
    customer = CustomerFactory(business=business)
    identity_attach(business=business, customer=customer, channel="whatsapp", external_id=HANDLE)
    customer_block(business=business, customer=customer, actor=None)
    deliver(client, wa_fixture("message_text"))
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome) == ("dropped", "blocked")
    assert not Conversation.objects.exists()
    assert fake_graph.sent == []


def test_an_inactive_business_gets_nothing_but_a_log(client, business, wa, shop, fake_graph):
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    response = deliver(client, wa_fixture("message_text"))
    assert response.status_code == 200  # Meta gets its 200 and does not retry
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome) == ("dropped", "inactive")
    assert not Conversation.objects.exists()
    assert fake_graph.sent == []


def test_a_blocked_customer_is_ignored_on_sms_too(business, owner):
    installation = installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields()
    )
    phone = "+4915112345678"
    customer = CustomerFactory(business=business)
    identity_attach(business=business, customer=customer, channel="sms", external_id=phone)
    customer_block(business=business, customer=customer, actor=None)
    event = InboundEvent.objects.create(
        provider="twilio",
        provider_message_id="SM" + "a" * 32,
        channel="sms",
        installation=installation,
        business=business,
        payload=json.dumps(
            {
                "provider_message_id": "SM" + "a" * 32,
                "sender": phone,
                "recipient": "",
                "text": "hello",
                "raw": {},
            }
        ),
    )
    assert inbound_process(event_id=event.pk) == "blocked"
    assert not Conversation.objects.exists()
    assert not OutboundMessage.objects.exists()


def test_the_parser_keeps_each_change_s_number():
    assert [batch.phone_number_id for batch in whatsapp_parse(wa_text("x"))] == ["106540352242922"]
    assert whatsapp_parse({"entry": [{"changes": [{"value": {}}]}]})[0].phone_number_id == ""
    batches = whatsapp_parse(wa_fixture("status_failed"))
    assert batches[0].statuses[0].error_code == "131047"

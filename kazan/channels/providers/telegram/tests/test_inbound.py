"""Telegram's documented updates reach the conversation through the stored event and its task:
the customer is created on first contact, button presses are always answered, files are
downloaded into private storage, a blocked bot is recorded, and the replies go out on the same
bot through the fake Bot API."""

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage

from kazan.channels.models import ChatBlock, InboundEvent
from kazan.channels.providers.telegram.inbound import telegram_parse
from kazan.channels.providers.telegram.render import callback_data
from kazan.channels.providers.telegram.sender import callback_key
from kazan.channels.providers.telegram.testing import (
    USER_ID,
    tg_fixture,
    update_callback,
    update_command,
    update_document,
    update_member_status,
    update_message,
)
from kazan.channels.providers.telegram.tests.conftest import deliver
from kazan.channels.queries import chat_blocked
from kazan.conversations import services as conversation_services
from kazan.customers.models import ChannelIdentity, Customer
from kazan.customers.services import customer_block
from kazan.messaging.models import OutboundMessage, Status
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db
HANDLE = str(USER_ID)


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


def test_a_first_message_creates_the_customer_and_the_replies_go_out(
    client, business, bot, shop, fake_bot_api, received
):
    # Given the documented text message of a German-speaking user
    assert deliver(client, bot, tg_fixture("message_text")).status_code == 200
    # Then the event was processed into the conversation
    event = InboundEvent.objects.get()
    assert (event.status, event.outcome) == ("processed", "conversation")
    assert (received[0]["channel"], received[0]["handle"]) == ("telegram", "1111111")
    assert received[0]["inbound"].text == "Hello, I would like to order"
    assert received[0]["inbound"].meta == {"username": "Testusername"}
    # And the customer exists: Telegram id as the identity, first name, language
    identity = ChannelIdentity.objects.get(business=business, channel="telegram")
    customer = Customer.objects.get(pk=identity.customer_id)
    assert (customer.name, customer.language) == ("Test Firstname", "de")
    assert identity.display_name == "Test Firstname"
    # And the greeting and the question went out: the text became the keyboard's text
    reply = OutboundMessage.objects.get(business=business)
    assert (reply.channel, reply.installation_id, reply.status) == ("telegram", bot.pk, Status.SENT)
    sent = fake_bot_api.called("sendMessage")
    assert [m["chat_id"] for m in sent] == ["1111111", "1111111"]
    assert sent[0]["text"] == "Hi, this is the shop."
    assert sent[1]["text"] == "What do you need?"
    assert sent[1]["reply_markup"]["inline_keyboard"] == [
        [{"text": "Opening hours", "callback_data": "hours"}],
        [{"text": "A person", "callback_data": "person"}],
    ]


def test_an_unknown_language_keeps_the_business_language(client, business, bot, shop):
    deliver(client, bot, update_message("hi", language_code="ja"))
    assert Customer.objects.get(business=business).language in ("", business.language)


def test_a_button_press_is_answered_and_chooses(
    client, business, bot, shop, fake_bot_api, received
):
    # Given the menu was shown
    deliver(client, bot, update_message("hi"))
    # When the customer presses "Opening hours"
    deliver(client, bot, update_callback("hours", query_id="q-1"))
    # Then the press is answered and the flow goes on with that choice
    assert fake_bot_api.called("answerCallbackQuery") == [{"callback_query_id": "q-1"}]
    assert received[-1]["inbound"].payload == {"choice": "hours"}
    assert fake_bot_api.called("sendMessage")[-1]["text"] == "9 to 5."


def test_a_stale_button_is_answered_too_and_starts_nothing(
    client, business, bot, shop, fake_bot_api, received
):
    # Given a press of a long value's button whose digest is no longer known
    deliver(client, bot, update_callback(callback_data("x" * 100), query_id="q-old"))
    # Then it is answered (with a hint) and nothing else happens
    answer = fake_bot_api.called("answerCallbackQuery")
    assert answer[0]["callback_query_id"] == "q-old" and "expired" in answer[0]["text"]
    assert InboundEvent.objects.get().outcome == "stale"
    assert received == [] and not fake_bot_api.called("sendMessage")


def test_a_button_press_of_an_unrouted_bot_is_answered(client, business, bot, fake_bot_api):
    # Given the business was deactivated after the menu was shown
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    deliver(client, bot, update_callback("hours", query_id="q-2"))
    assert fake_bot_api.called("answerCallbackQuery") == [{"callback_query_id": "q-2"}]
    assert InboundEvent.objects.get().outcome == "inactive"


def test_a_long_value_travels_as_a_digest_and_comes_back(business, bot, fake_bot_api):
    value = "product:" + "é" * 60
    data = callback_data(value)
    assert len(data.encode()) <= 64
    cache.set(callback_key(data), value)
    from kazan.channels.providers.telegram.process import _choice

    assert _choice(data) == value
    assert _choice("hours") == "hours"


def test_a_document_is_downloaded_into_private_storage(
    client, business, bot, shop, fake_bot_api, received
):
    # Given the customer sends a PDF
    fake_bot_api.file_add("BQACfile1", b"%PDF-1.4 receipt", path="documents/file_7.pdf")
    deliver(client, bot, update_document("BQACfile1", caption="My receipt"))
    # Then the conversation gets the stored file with its caption
    media = received[0]["inbound"].payload["media"]
    assert media["kind"] == "document" and media["mime_type"] == "application/pdf"
    assert media["caption"] == "My receipt" and received[0]["inbound"].text == "My receipt"
    assert media["stored"].startswith(f"private/telegram/{business.pk}/")
    with default_storage.open(media["stored"]) as handle:
        assert handle.read() == b"%PDF-1.4 receipt"
    assert fake_bot_api.called("getFile") == [{"file_id": "BQACfile1"}]


def test_blocking_the_bot_is_recorded_and_starting_again_clears_it(
    client, business, bot, fake_bot_api
):
    deliver(client, bot, tg_fixture("my_chat_member_kicked"))
    assert InboundEvent.objects.get().outcome == "bot_blocked"
    assert chat_blocked(business=business, channel="telegram", handle="1111111")
    deliver(client, bot, update_member_status("member", user_id=1111111))
    assert not chat_blocked(business=business, channel="telegram", handle="1111111")
    assert not ChatBlock.objects.exists()


def test_a_customer_blocked_by_the_team_is_ignored(client, business, bot, shop, fake_bot_api):
    deliver(client, bot, update_message("hi"))
    customer = Customer.objects.get(business=business)
    customer_block(business=business, customer=customer, actor=None)
    sent_before = len(fake_bot_api.sent)
    deliver(client, bot, update_message("again"))
    assert InboundEvent.objects.order_by("-id").first().outcome == "blocked"
    assert len(fake_bot_api.sent) == sent_before


def test_commands_and_the_start_payload_reach_the_flow_as_text(
    client, business, bot, shop, received
):
    deliver(client, bot, tg_fixture("message_command_start"))
    deliver(client, bot, update_command("order@cafe_a_bot", user_id=1111111))
    assert [call["inbound"].text for call in received] == ["/start promo_2024", "/order"]
    assert Customer.objects.get(business=business).language == "it"


def test_updates_of_another_business_bot_never_reach_this_business(
    client, business, other_business, bot, shop, received
):
    deliver(client, bot, update_message("hi"))
    assert InboundEvent.objects.get().business_id == business.pk
    assert not Customer.objects.filter(business=other_business).exists()
    assert not OutboundMessage.objects.filter(business=other_business).exists()


def test_the_telegram_crm_answers_start_with_its_menu_as_buttons(
    client, business, bot, fake_bot_api
):
    # Given a bot connected with "Use the Telegram CRM" (no flow of our own bound)
    deliver(client, bot, update_command("start"))
    # Then the CRM's main menu came back as an inline keyboard within Telegram's limits
    keyboards = [
        call["reply_markup"]["inline_keyboard"]
        for call in fake_bot_api.called("sendMessage")
        if "reply_markup" in call
    ]
    assert keyboards, fake_bot_api.called("sendMessage")
    values = [row[0]["callback_data"] for row in keyboards[-1]]
    assert "register" in values
    assert all(len(value.encode()) <= 64 for value in values)
    # And pressing "Register" is answered and moves the flow on
    deliver(client, bot, update_callback("register", query_id="q-reg"))
    assert fake_bot_api.called("answerCallbackQuery")[-1] == {"callback_query_id": "q-reg"}
    assert InboundEvent.objects.order_by("-pk").first().outcome == "conversation"
    assert len(fake_bot_api.called("sendMessage")) > len(keyboards)


def test_erasing_a_telegram_customer_erases_their_updates_and_block_mark(
    client, business, bot, shop
):
    from kazan.channels import gdpr
    from kazan.customers.services import customer_erase

    deliver(client, bot, update_message("hi"))
    deliver(client, bot, update_member_status("kicked"))
    customer = Customer.objects.get(business=business)
    assert [row["text"] for row in gdpr.inbound_export(business, customer)] == ["hi", ""]
    customer_erase(business=business, customer=customer, actor=None)
    assert not InboundEvent.objects.exists()
    assert not ChatBlock.objects.exists()


@pytest.mark.parametrize("update_id", [True, -1, 2**63, 10**70, "5", None])
def test_an_update_id_that_is_not_a_64_bit_count_is_ignored(update_id):
    update = update_message("Hello")
    update["update_id"] = update_id
    assert telegram_parse(update, bot_id="1") is None
    update["update_id"] = 2**63 - 1
    assert telegram_parse(update, bot_id="1") is not None

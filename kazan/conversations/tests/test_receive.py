"""conversation_receive, the one entry point for inbound messages: the same stored flow on SMS
and on the web, threads that live on after a flow ends, restart keywords, versions, hand-off,
provider retries and the fallback chain."""

import pytest
from django.db import connection
from django.utils import translation

from kazan.activity.models import Activity
from kazan.conversations import fallbacks, flowstore, handoffs, services
from kazan.conversations.engine import Inbound
from kazan.conversations.models import (
    BotSettings,
    Conversation,
    ConversationMessage,
    ConversationSession,
    Status,
)
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
from kazan.core.errors import ValidationFailed
from kazan.core.testing import run_in_threads
from kazan.customers.models import ChannelIdentity

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"

SHOP = {
    "key": "shop",
    "start": "hi",
    "steps": {
        "hi": {"type": "say", "text": {"en": "Hi, this is the shop."}, "next": "what"},
        "what": {
            "type": "choose",
            "prompt": {"en": "What do you need?"},
            "var": "need",
            "choices": [
                {"value": "hours", "label": {"en": "Opening hours"}, "next": "hours"},
                {"value": "person", "label": {"en": "A person"}, "next": "human"},
            ],
        },
        "hours": {"type": "say", "text": {"en": "9 to 5."}, "next": "name"},
        "name": {
            "type": "ask",
            "input": "name",
            "var": "name",
            "validator": "name",
            "prompt": {"en": "Your name?"},
            "next": "bye",
        },
        "bye": {"type": "say", "text": "Thank you, %(name)s! See you soon.", "next": "end"},
        "human": {"type": "handoff", "text": {"en": "A colleague will answer here."}},
        "end": {"type": "end"},
    },
}


def _texts(replies):
    return [r["text"] for r in replies if r["type"] in ("text", "error")]


def _send(business, text="", *, handle=PHONE, channel="sms", **extra):
    return conversation_receive(
        business=business, channel=channel, handle=handle, inbound=Inbound(text=text), **extra
    )


@pytest.fixture
def shop(business):
    return flow_bound(business, SHOP)


@pytest.fixture
def changes(monkeypatch):
    """The live-update announcements the inbox would turn into events."""
    seen = []
    for module in (services, handoffs):
        monkeypatch.setattr(
            module, "conversation_changed", lambda **kwargs: seen.append(kwargs["kind"])
        )
    return seen


def test_sms_and_web_run_the_same_stored_flow_end_to_end(business, shop):
    runs = {}
    for channel, handle in [("sms", PHONE), ("web", "web-token-0001")]:
        turns = [
            _send(business, text, handle=handle, channel=channel) for text in ["hi", "1", "Anna"]
        ]
        runs[channel] = [_texts(turn.replies) for turn in turns]
        session = turns[-1].conversation.session
        assert session.flow_version == shop and session.end_reason == "completed"
    assert (
        runs["sms"]
        == runs["web"]
        == [
            ["Hi, this is the shop.", "What do you need?"],
            ["9 to 5.", "Your name?"],
            ["Thank you, Anna! See you soon."],
        ]
    )
    # One thread per identity; the handles are stored encrypted, found by their blind index.
    assert Conversation.objects.filter(business=business).count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT external_id FROM customers_channelidentity")
        stored = [row[0] for row in cursor.fetchall()]
    assert PHONE not in stored and "web-token-0001" not in stored
    assert all(i.last_seen_at for i in ChannelIdentity.objects.all())


def test_a_finished_conversation_answers_the_next_message(business, shop):
    for text in ["hi", "1", "Anna"]:
        _send(business, text)
    received = _send(business, "hello again")
    assert _texts(received.replies) == ["Hi, this is the shop.", "What do you need?"]
    thread = received.conversation
    assert thread.sessions.count() == 2 and thread.session.running
    assert Activity.objects.filter(action="conversation.started").count() == 2
    assert Activity.objects.filter(action="conversation.completed").count() == 1
    assert thread.last_inbound_at and thread.last_message_at


@pytest.mark.parametrize("word", ["START", "menu", " Start "])
def test_a_restart_keyword_starts_the_flow_again(business, shop, word):
    _send(business, "hi")
    first = _send(business, "1").conversation.session
    received = _send(business, word)
    assert _texts(received.replies) == ["Hi, this is the shop.", "What do you need?"]
    first.refresh_from_db()
    assert first.end_reason == ConversationSession.EndReason.RESTARTED
    assert received.conversation.session.pk != first.pk


def test_a_binding_names_its_own_restart_keywords(business):
    flow_bound(business, SHOP, channel="sms", keywords=["HALLO"])
    _send(business, "hi")
    assert _texts(_send(business, "hallo").replies)[0] == "Hi, this is the shop."
    # START still restarts in every language (it is a default keyword's translation too).
    assert _texts(_send(business, "start").replies)[0] == "Hi, this is the shop."


def test_restart_keywords_match_without_case_or_accents_in_the_guests_language(business, shop):
    binding = flowstore.binding_for_channel(business=business, channel="sms")
    with translation.override("tr"):
        words = flowstore.restart_keywords(binding)
        assert flowstore.keyword_fold("başla") in words
        assert flowstore.keyword_fold("BASLA") in words  # typed without Turkish letters
    with translation.override("es"):
        assert flowstore.keyword_fold("menu") in flowstore.restart_keywords(binding)


def test_mid_flow_visitor_keeps_the_old_version_new_visitors_get_the_new(business, shop):
    _send(business, "hi", handle="+4915100000001")
    changed = {**SHOP, "steps": {**SHOP["steps"], "hours": {**SHOP["steps"]["hours"]}}}
    changed["steps"]["hours"]["text"] = {"en": "10 to 6 now."}
    new = flow_bound(business, changed)
    assert new.number == shop.number + 1
    assert _texts(_send(business, "1", handle="+4915100000001").replies)[0] == "9 to 5."
    _send(business, "hi", handle="+4915100000002")
    assert _texts(_send(business, "1", handle="+4915100000002").replies)[0] == "10 to 6 now."


def test_a_handed_off_thread_gets_no_bot_reply(business, shop, changes):
    _send(business, "hi")
    received = _send(business, "2")
    assert _texts(received.replies) == ["A colleague will answer here."]
    thread = Conversation.objects.get()
    assert thread.status == Status.OPEN and thread.session.end_reason == "handoff"
    assert "status" in changes
    assert Activity.objects.filter(action="conversation.handed_off").exists()

    assert _send(business, "hello?").replies == []
    assert _send(business, "START").replies == []  # a person has it: no keyword either
    thread.refresh_from_db()
    logged = ConversationMessage.objects.filter(conversation=thread, text="hello?").get()
    assert logged.author_kind == "customer" and thread.last_inbound_at is not None
    assert changes.count("message") >= 2

    # A snoozed thread comes back to the team when the customer writes.
    Conversation.objects.filter(pk=thread.pk).update(status=Status.SNOOZED)
    assert _send(business, "still there?").replies == []
    thread.refresh_from_db()
    assert thread.status == Status.OPEN

    # A resolved thread is the bot's again: the customer's next message gets an answer.
    Conversation.objects.filter(pk=thread.pk).update(status=Status.RESOLVED)
    assert _send(business, "one more question").replies
    thread.refresh_from_db()
    assert thread.status == Status.BOT


def test_a_provider_retry_is_dropped(business, shop):
    first = _send(business, "hi", provider_message_id="twilio:SM1")
    again = _send(business, "hi", provider_message_id="twilio:SM1")
    assert not first.duplicate and first.replies
    assert again.duplicate and again.replies == [] and again.conversation is None
    assert ConversationMessage.objects.filter(provider_message_id="twilio:SM1").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_retries_run_the_flow_once(business, shop):
    results = run_in_threads(
        4,
        lambda: _send(business, "hi", provider_message_id="twilio:SM-race"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(r.duplicate for r in results) == [False, True, True, True]
    assert ConversationMessage.objects.filter(provider_message_id="twilio:SM-race").count() == 1
    assert ConversationSession.objects.count() == 1


def test_bad_input_is_refused_clearly(business):
    with pytest.raises(ValidationFailed):
        _send(business, "hi", channel="pigeon")
    with pytest.raises(ValidationFailed):
        _send(business, "hi", handle="x" * 201)
    with pytest.raises(ValidationFailed):
        _send(business, "hi", provider_message_id="x" * 121)


class _Answers:
    key = "test_answers"

    def enabled(self, bot_settings):
        return True

    def answer(self, ctx, inbound):
        if "price" in inbound.text:
            return [{"type": "text", "text": "Coffee is 3 euros."}]
        return None


@pytest.fixture
def answering(monkeypatch):
    monkeypatch.setattr(fallbacks, "_chain", list(fallbacks._chain))
    fallbacks.fallback_register(_Answers())


def test_the_fallback_chain_answers_what_no_step_expects(business, shop, answering):
    _send(business, "hi")
    replies = _send(business, "what is the price?").replies
    assert _texts(replies) == ["Coffee is 3 euros."]  # and the session still waits
    assert Conversation.objects.get().session.step == "what"
    replies = _send(business, "blah").replies
    assert _texts(replies) == ["Sorry, I did not understand that."]
    assert replies[-1]["type"] == "choices"  # the current options again


def test_after_a_finished_flow_a_fallback_answers_before_a_new_run(business, shop, answering):
    for text in ["hi", "1", "Anna"]:
        _send(business, text)
    assert _texts(_send(business, "the price?").replies) == ["Coffee is 3 euros."]
    assert ConversationSession.objects.count() == 1
    assert _texts(_send(business, "hello").replies)[0] == "Hi, this is the shop."


def test_without_faqs_and_with_the_agent_still_to_come_nothing_answers(business, shop):
    """The FAQ answers from the business's FAQs (kazan/faq/tests/test_fallback.py): it has
    none here; the agent is a later issue."""
    BotSettings.objects.create(business=business, faq_fallback=True, agent_fallback=True)
    _send(business, "hi")
    assert _texts(_send(business, "what is the price?").replies) == [
        "Sorry, I did not understand that."
    ]


def test_too_many_misses_hand_the_thread_to_a_person(business, shop):
    BotSettings.objects.create(business=business, misses_before_handoff=2)
    _send(business, "hi")
    _send(business, "blah")
    replies = _send(business, "blah blah").replies
    assert "person from our team" in _texts(replies)[-1]
    assert Conversation.objects.get().status == Status.OPEN


def test_misses_never_hand_off_when_the_business_says_so(business, shop):
    BotSettings.objects.create(business=business, misses_before_handoff=0)
    _send(business, "hi")
    for _n in range(5):
        _send(business, "blah")
    assert Conversation.objects.get().status == Status.BOT

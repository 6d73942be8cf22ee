"""The flow engine on a tiny flow: steps run in order, answers are validated, branches follow the
state, actions are looked up by name, and a conversation loaded again resumes where it stopped."""

import pytest

from kazan.conversations import engine
from kazan.conversations.models import Conversation, ConversationMessage
from kazan.conversations.queries import conversation_log, conversation_pending
from kazan.conversations.services import conversation_handle, conversation_start
from kazan.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db

calls: list[str] = []


@engine.action("test_shout")
def _shout(ctx, step):
    calls.append(ctx.state["word"])
    return engine.ActionResult([engine.reply_text(ctx.state["word"].upper())])


@engine.action("test_fail")
def _fail(ctx, step):
    raise ValidationFailed("the action failed", code="test_failed")


TINY = {
    "key": "test_tiny",
    "start": "hello",
    "steps": {
        "hello": {"type": "say", "text": "Hello from %(business)s", "next": "word"},
        "word": {
            "type": "ask",
            "input": "text",
            "var": "word",
            "validator": "text",
            "prompt": "Say a word",
            "next": "shout",
        },
        "shout": {"type": "act", "action": "test_shout", "next": "size"},
        "size": {
            "type": "ask",
            "input": "rating",
            "var": "size",
            "validator": "rating",
            "max": 5,
            "prompt": "How big?",
            "next": "which",
        },
        "which": {
            "type": "branch",
            "cases": [{"if": {"var": "size", "gte": 4}, "next": "big"}],
            "default": "pick",
        },
        "big": {"type": "say", "text": "Big!", "next": "end"},
        "pick": {
            "type": "choose",
            "prompt": "Tea or coffee?",
            "var": "drink",
            "choices": [
                {"value": "tea", "label": "Tea", "next": "fail"},
                {"value": "coffee", "label": "Coffee"},
            ],
            "next": "end",
        },
        "fail": {"type": "act", "action": "test_fail", "on_error": {"test_failed": "big"}},
        "end": {"type": "end"},
    },
}
engine.flow_register(TINY)


def _texts(replies):
    return [r.get("text") for r in replies if r["type"] in ("text", "error")]


def _start(business, key="token-0001"):
    return conversation_start(
        business=business, channel="web", external_key=key, flow_key="test_tiny", language="en"
    )


def test_flow_runs_to_the_first_question_and_waits(business):
    conversation, replies, created = _start(business)
    assert created
    assert _texts(replies) == ["Hello from Café A", "Say a word"]
    assert replies[-1]["type"] == "input" and replies[-1]["input"] == "text"
    assert (conversation.step, conversation.waiting) == ("word", True)
    # Starting again with the same key is the same conversation, with no new replies.
    again, replies, created = _start(business)
    assert again.pk == conversation.pk and replies == [] and not created


def test_answer_action_validator_and_branch(business):
    calls.clear()
    conversation, _replies, _created = _start(business)
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="kazan")
    )
    assert _texts(replies) == ["KAZAN", "How big?"]
    assert calls == ["kazan"]
    # An invalid answer: an error and the same question again; the state is unchanged.
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="9")
    )
    assert replies[0] == {"type": "error", "text": "Please choose 1 to 5 stars."}
    assert replies[-1]["type"] == "input"
    conversation.refresh_from_db()
    assert "size" not in conversation.state and conversation.step == "size"
    # Size 5 branches to "big" and the flow ends.
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(payload={"value": 5})
    )
    assert _texts(replies) == ["Big!"]
    conversation.refresh_from_db()
    assert conversation.completed_at is not None and not conversation.waiting


def test_small_size_goes_to_the_choice_and_an_action_error_follows_on_error(business):
    conversation, _r, _c = _start(business)
    for inbound in [engine.Inbound(text="x"), engine.Inbound(text="2")]:
        replies = conversation_handle(business=business, conversation=conversation, inbound=inbound)
    assert replies[-1] == {
        "type": "choices",
        "choices": [{"value": "tea", "label": "Tea"}, {"value": "coffee", "label": "Coffee"}],
    }
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="nonsense")
    )
    assert replies[0]["type"] == "error"
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="1")
    )
    assert _texts(replies) == ["the action failed", "Big!"]
    conversation.refresh_from_db()
    assert conversation.state["drink"] == "tea" and conversation.completed_at


def test_a_reload_resumes_from_the_database(business):
    conversation, _r, _c = _start(business, key="token-reload")
    conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="hi")
    )
    # A new request: nothing in memory, only the row.
    loaded = Conversation.objects.get(business=business, external_key="token-reload")
    assert (loaded.step, loaded.state["word"]) == ("size", "hi")
    assert conversation_pending(business=business, conversation=loaded)[-1]["input"] == "rating"
    log = conversation_log(business=business, conversation=loaded)
    assert [r.get("text") for r in log if r["type"] in ("text", "user")] == [
        "Hello from Café A",
        "Say a word",
        "hi",
        "HI",
        "How big?",
    ]
    assert log[-1]["type"] == "input"  # the open question, answerable again
    replies = conversation_handle(
        business=business, conversation=loaded, inbound=engine.Inbound(text="5")
    )
    assert _texts(replies) == ["Big!"]
    # One row per inbound message and one per turn of replies.
    assert ConversationMessage.objects.filter(conversation=loaded).count() == 5


def test_conversations_are_per_business(business, other_business):
    conversation, _r, _c = _start(business, key="token-shared")
    other, _r, created = _start(other_business, key="token-shared")
    assert created and other.pk != conversation.pk
    with pytest.raises(Exception):  # noqa: B017 (NotFound)
        conversation_handle(
            business=other_business, conversation=conversation, inbound=engine.Inbound(text="x")
        )


def test_a_flow_naming_an_unknown_step_is_refused():
    with pytest.raises(ValueError, match="unknown steps"):
        engine.flow_register(
            {"key": "broken", "start": "a", "steps": {"a": {"type": "say", "next": "nowhere"}}}
        )


HANDOFF = {
    "key": "test_handoff",
    "start": "ask",
    "steps": {
        "ask": {
            "type": "choose",
            "prompt": "Need a person?",
            "choices": [
                {"value": "yes", "label": "Yes", "next": "human"},
                {"value": "no", "label": "No", "next": "bye"},
            ],
        },
        "human": {"type": "handoff", "text": "A colleague will answer you here."},
        "bye": {"type": "end"},
    },
}
engine.flow_register(HANDOFF)


def test_handoff_stops_the_bot_and_keeps_logging(business):
    conversation, _r, _c = conversation_start(
        business=business,
        channel="whatsapp",
        external_key="wa-4915112345678",
        flow_key="test_handoff",
    )
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="yes")
    )
    assert _texts(replies) == ["A colleague will answer you here."]
    replies = conversation_handle(
        business=business, conversation=conversation, inbound=engine.Inbound(text="hello?")
    )
    assert replies == []  # a person answers now, not the bot
    conversation.refresh_from_db()
    assert conversation.handed_off_at is not None
    assert ConversationMessage.objects.filter(conversation=conversation, text="hello?").exists()

"""The flow engine on small stored flows: steps run in order, answers are validated, branches
follow the state, actions are looked up by name, step types come from a registry, texts are
msgids or the business's own per language, and a thread loaded again resumes where it stopped."""

import pytest

from kazan.conversations import engine
from kazan.conversations.engine import registry
from kazan.conversations.flowstore import flow_validate
from kazan.conversations.models import Conversation, ConversationMessage
from kazan.conversations.queries import (
    conversation_for_handle,
    conversation_log,
    conversation_pending,
)
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
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


def _texts(replies):
    return [r.get("text") for r in replies if r["type"] in ("text", "error")]


def _send(business, text="", key="token-0001", channel="web", **payload):
    return conversation_receive(
        business=business,
        channel=channel,
        handle=key,
        inbound=engine.Inbound(text=text, payload=payload or None),
        language="en",
    )


@pytest.fixture
def tiny(business):
    return flow_bound(business, TINY)


def test_flow_runs_to_the_first_question_and_waits(business, tiny):
    received = _send(business)
    assert _texts(received.replies) == ["Hello from Café A", "Say a word"]
    assert received.replies[-1]["type"] == "input" and received.replies[-1]["input"] == "text"
    session = received.conversation.session
    assert (session.step, session.waiting, session.flow_version) == ("word", True, tiny)
    # Opening again is the same thread and session; it asks the open question again.
    again = _send(business)
    assert again.conversation.pk == received.conversation.pk
    assert again.conversation.session.pk == session.pk
    assert again.replies[-1]["input"] == "text"


def test_answer_action_validator_and_branch(business, tiny):
    calls.clear()
    _send(business)
    assert _texts(_send(business, "kazan").replies) == ["KAZAN", "How big?"]
    assert calls == ["kazan"]
    # An invalid answer: an error and the same question again; the state is unchanged.
    replies = _send(business, "9").replies
    assert replies[0] == {"type": "error", "text": "Please choose 1 to 5 stars."}
    assert replies[-1]["type"] == "input"
    session = Conversation.objects.get().session
    assert "size" not in session.state and session.step == "size"
    # Size 5 branches to "big" and the flow ends.
    received = _send(business, value=5)
    assert _texts(received.replies) == ["Big!"]
    session.refresh_from_db()
    assert session.end_reason == "completed" and session.ended_at and not session.waiting


def test_small_size_goes_to_the_choice_and_an_action_error_follows_on_error(business, tiny):
    for text in ["", "x", "2"]:
        replies = _send(business, text).replies
    assert replies[-1] == {
        "type": "choices",
        "choices": [{"value": "tea", "label": "Tea"}, {"value": "coffee", "label": "Coffee"}],
    }
    # A button that is not there is an error; typed text no option expects goes down the
    # fallback chain: "not understood" and the options again.
    assert _send(business, choice="milk").replies[0]["type"] == "error"
    replies = _send(business, "nonsense").replies
    assert _texts(replies) == ["Sorry, I did not understand that."]
    assert replies[-1]["type"] == "choices"
    replies = _send(business, "1").replies
    assert _texts(replies) == ["the action failed", "Big!"]
    session = Conversation.objects.get().session
    assert session.state["drink"] == "tea" and session.end_reason == "completed"


def test_a_reload_resumes_from_the_database(business, tiny):
    _send(business, key="token-reload")
    _send(business, "hi", key="token-reload")
    # A new request: nothing in memory, only the rows.
    loaded = conversation_for_handle(business=business, channel="web", handle="token-reload")
    assert (loaded.session.step, loaded.session.state["word"]) == ("size", "hi")
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
    assert _texts(_send(business, "5", key="token-reload").replies) == ["Big!"]
    # One row per inbound message and one per turn of replies, each with its author.
    messages = ConversationMessage.objects.filter(conversation=loaded)
    assert [m.author_kind for m in messages] == ["bot", "customer", "bot", "customer", "bot"]
    assert {m.session_id for m in messages} == {loaded.session.pk}


def test_threads_are_per_business(business, other_business, tiny):
    mine = _send(business, key="token-shared").conversation
    other = _send(other_business, key="token-shared").conversation
    assert other.pk != mine.pk and other.identity_id != mine.identity_id
    # The other business runs its own (seeded) flow, not this one's.
    assert other.session.flow_version.flow.business == other_business


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            {"start": "a", "steps": {"a": {"type": "say", "text": "x", "next": "b"}}},
            "unknown steps",
        ),
        ({"start": "a", "steps": {"a": {"type": "dance"}}}, "unknown type"),
        ({"start": "b", "steps": {"a": {"type": "end"}}}, "first step"),
        ({"start": "a", "steps": {"a": {"type": "say", "text": 3}}}, "a text must be"),
        ({"start": "a", "steps": {"a": {"type": "say", "text": {"xx": "hi"}}}}, "languages"),
        ({"start": "a", "steps": {"a": {"type": "say", "text": "x" * 1001}}}, "at most 1000"),
        ({"start": "a", "steps": {"a": {"type": "act", "action": "nope"}}}, "unknown action"),
        (
            {
                "start": "a",
                "steps": {
                    "a": {
                        "type": "choose",
                        "choices": [{"value": str(n), "label": "x"} for n in range(13)],
                    }
                },
            },
            "1 to 12 options",
        ),
        (
            {
                "start": "a",
                "steps": {"a": {"type": "link", "links": [{"label": "x", "url": "ftp://x"}]}},
            },
            "http",
        ),
        ({"start": "a", "steps": {f"s{n}": {"type": "end"} for n in range(101)}}, "at most 100"),
    ],
)
def test_a_malformed_flow_is_refused_with_a_clear_message(definition, message):
    with pytest.raises(ValidationFailed) as refused:
        flow_validate({"key": "broken", **definition})
    assert refused.value.code == "flow_invalid" and message in str(refused.value.message)


def test_a_new_step_type_plugs_in_without_editing_the_engine(business, monkeypatch):
    monkeypatch.setattr(registry, "_step_types", dict(registry._step_types))

    def check(step):
        if not isinstance(step["times"], int):
            raise ValueError("times must be a number")

    engine.step_type_register(
        engine.StepType(
            "repeat",
            lambda ctx, step, replies: (
                replies.extend(
                    engine.reply_text(engine.render(step["text"], ctx))
                    for _ in range(step["times"])
                )
                or step.get("next")
            ),
            check=check,
        )
    )
    with pytest.raises(ValidationFailed, match="times must be a number"):
        flow_validate({"key": "x", "start": "a", "steps": {"a": {"type": "repeat", "times": "2"}}})
    flow_bound(
        business,
        {
            "key": "echo",
            "start": "a",
            "steps": {
                "a": {"type": "repeat", "text": "Hi", "times": 2, "next": "b"},
                "b": {"type": "end"},
            },
        },
    )
    assert _texts(_send(business).replies) == ["Hi", "Hi"]


def test_link_step_replies_links_with_a_prefilled_whatsapp_message_and_their_kinds(business):
    """Each link says what it leads to, the redirect the widget counts when it is followed."""
    flow_bound(
        business,
        {
            "key": "links",
            "start": "a",
            "steps": {
                "a": {
                    "type": "link",
                    "text": "Reach us",
                    "links": [
                        {"label": "Menu", "url": "https://cafe.example/menu"},
                        {"label": "WhatsApp", "whatsapp": "+49 151 1234567", "text": "Hi & hello"},
                        {"label": "Book", "form": "https://cafe.example/book"},
                        {"label": "Chat", "url": "https://wa.me/491511234567"},
                    ],
                }
            },
        },
    )
    replies = _send(business).replies
    assert replies == [
        {"type": "text", "text": "Reach us"},
        {
            "type": "links",
            "links": [
                {"label": "Menu", "url": "https://cafe.example/menu", "kind": "link"},
                {
                    "label": "WhatsApp",
                    "url": "https://wa.me/491511234567?text=Hi%20%26%20hello",
                    "kind": "whatsapp",
                },
                {"label": "Book", "url": "https://cafe.example/book", "kind": "form"},
                {"label": "Chat", "url": "https://wa.me/491511234567", "kind": "whatsapp"},
            ],
        },
    ]


def test_a_business_text_follows_the_conversation_language(business):
    business.language = "de"
    business.save()
    flow_bound(
        business,
        {
            "key": "hello",
            "start": "a",
            "steps": {"a": {"type": "say", "text": {"de": "Hallo", "es": "Hola", "en": ""}}},
        },
    )

    def hello(language, key):
        return _texts(
            conversation_receive(
                business=business,
                channel="web",
                handle=key,
                inbound=engine.Inbound(),
                language=language,
            ).replies
        )

    assert hello("es", "token-es-1") == ["Hola"]
    assert hello("en", "token-en-1") == ["Hallo"]  # none in English: the business's language
    business.language = "it"
    business.save()
    assert hello("tr", "token-tr-1") == ["Hallo"]  # neither: the first one written


def test_a_business_text_fills_its_named_placeholders_and_keeps_every_other_percent(business):
    flow_bound(
        business,
        {
            "key": "hi",
            "start": "ask",
            "steps": {
                "ask": {"type": "ask", "input": "name", "var": "name", "next": "say"},
                "say": {
                    "type": "say",
                    "text": {"en": "Thanks %(name)s: 50% off at %(business)s, %(unknown)s, 100%"},
                },
            },
        },
    )
    conversation_receive(
        business=business, channel="web", handle="token-pct-1", inbound=engine.Inbound()
    )
    replies = conversation_receive(
        business=business, channel="web", handle="token-pct-1", inbound=engine.Inbound(text="Ada")
    ).replies
    assert _texts(replies) == [f"Thanks Ada: 50% off at {business.name}, , 100%"]


def test_a_msgid_is_translated_in_the_conversation_language(business):
    """The seeded funnel stores English msgids; a German guest reads German."""
    replies = conversation_receive(
        business=business,
        channel="web",
        handle="token-de-1",
        inbound=engine.Inbound(),
        language="de",
    ).replies
    assert replies[0]["text"].startswith("Willkommen")
    assert "What is your name?" not in _texts(replies)

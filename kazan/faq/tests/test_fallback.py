"""The FAQ in conversations, end to end through conversation_receive and the landing chat:
a question no step expects gets the FAQ's answer (plain text and sanitized HTML), an unsure
match a "Did you mean …?" whose pick answers as a command in the middle of the flow, and a
miss goes on down the chain and into the unanswered list; each counted."""

import json

import pytest
from django.test import override_settings

from kazan.analytics.enums import EventKind
from kazan.analytics.models import Event
from kazan.conversations.editor.preview import preview_turn
from kazan.conversations.engine import Inbound
from kazan.conversations.models import BotSettings, Conversation, ConversationSession, Status
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
from kazan.faq import services
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.models import FaqQuestion
from kazan.faq.tests.factories import cafe_faqs

pytestmark = pytest.mark.django_db

SHOP = {
    "key": "shop",
    "start": "hi",
    "steps": {
        "hi": {"type": "say", "text": {"en": "Hi, this is the café."}, "next": "what"},
        "what": {
            "type": "choose",
            "prompt": {"en": "What do you need?"},
            "choices": [
                {"value": "menu", "label": {"en": "The menu"}, "next": "menu"},
                {"value": "person", "label": {"en": "A person"}, "next": "human"},
            ],
        },
        "menu": {"type": "say", "text": {"en": "Coffee and cake."}, "next": "end"},
        "human": {"type": "handoff", "text": {"en": "A colleague will answer here."}},
        "end": {"type": "end"},
    },
}
ASK = {
    "key": "ask",
    "start": "question",
    "steps": {
        "question": {
            "type": "ask",
            "input": "text",
            "var": "question",
            "prompt": {"en": "What would you like to know?"},
            "next": "answer",
        },
        "answer": {
            "type": "act",
            "action": "faq_answer",
            "next": "end",
            "on_error": {"faq_no_answer": "human"},
        },
        "human": {"type": "handoff", "text": {"en": "A colleague will answer here."}},
        "end": {"type": "end"},
    },
}


@pytest.fixture(autouse=True)
def _fresh_indexes():
    process_cache_clear()
    yield
    process_cache_clear()


@pytest.fixture
def cafe(business):
    flow_bound(business, SHOP)
    return cafe_faqs(business)


def _send(business, text="", payload=None, handle="visitor-1"):
    return conversation_receive(
        business=business,
        channel="web",
        handle=handle,
        inbound=Inbound(text=text, payload=payload),
        language="en",
    ).replies


def _count(business, kind):
    return Event.objects.filter(business=business, kind=kind).count()


def test_a_question_no_step_expects_gets_the_faq_answer_with_html(business, cafe):
    _send(business, "hi")
    replies = _send(business, "Do you have oat milk?")

    answer = replies[0]
    assert answer["type"] == "text"
    assert answer["text"] == (
        "Yes, oat milk at no extra cost. See our menu: https://cafe.example/menu."
    )
    assert '<a href="https://cafe.example/menu" target="_blank"' in answer["html"]
    # The flow's question again, and the session still waits on it.
    assert replies[-1]["type"] == "choices"
    assert Conversation.objects.get().session.step == "what"
    logged = FaqQuestion.objects.get()
    assert (logged.outcome, logged.faq, logged.channel) == (
        "answered",
        cafe["Do you have oat milk?"],
        "web",
    )
    assert _count(business, EventKind.FAQ_ANSWERED) == 1


@override_settings(FAQ_ANSWER_CONFIDENCE=1.01)
def test_unsure_it_asks_did_you_mean_and_the_pick_answers_mid_flow(business, cafe):
    _send(business, "hi")
    replies = _send(business, "When are you open?")
    assert replies[0]["text"] == "Did you mean one of these?"
    choices = replies[1]["choices"]
    hours = cafe["What are your opening hours?"]
    assert choices[0] == {
        "value": f"faq:{hours.pk}",
        "label": "What are your opening hours?",
        "command": f"faq:{hours.pk}",
    }
    assert len(replies) == 2  # the suggestions are the options: the flow's are not repeated
    assert FaqQuestion.objects.get().outcome == "suggested"

    replies = _send(business, choices[0]["label"], payload={"command": choices[0]["command"]})
    assert replies[0]["text"] == "We are open daily from 8 to 18."
    assert replies[0]["html"] == "<p>We are open <strong>daily</strong> from 8 to 18.</p>"
    assert replies[-1]["type"] == "choices"  # the flow's question again
    assert [c["value"] for c in replies[-1]["choices"]] == ["menu", "person"]
    assert Conversation.objects.get().session.step == "what"
    assert _count(business, EventKind.FAQ_CLICKED) == 1
    assert _count(business, EventKind.FAQ_ANSWERED) == 1

    # A channel that sends a pressed option back as a choice gets the same answer.
    replies = _send(business, payload={"choice": choices[0]["value"]})
    assert replies[0]["text"] == "We are open daily from 8 to 18."


def test_a_pick_of_an_faq_that_is_gone_says_so(business, cafe):
    _send(business, "hi")
    faq = cafe["Is there wifi?"]
    services.faq_delete(business=business, actor=None, faq=faq)
    replies = _send(business, payload={"command": f"faq:{faq.pk}"})
    assert replies[0] == {"type": "error", "text": "Sorry, this answer is no longer available."}
    assert _count(business, EventKind.FAQ_CLICKED) == 0


def test_when_the_faq_has_no_answer_the_chain_goes_on_and_the_question_is_listed(business, cafe):
    _send(business, "hi")
    replies = _send(business, "Who won the football world cup in 1954?")
    assert replies[0]["text"] == "Sorry, I did not understand that."
    logged = FaqQuestion.objects.get()
    assert (logged.outcome, logged.faq) == ("unanswered", None)
    assert _count(business, EventKind.FAQ_UNANSWERED) == 1
    assert ConversationSession.objects.get().misses == 1


def test_the_business_switch_turns_the_faq_answers_off(business, cafe):
    BotSettings.objects.create(business=business, faq_fallback=False)
    _send(business, "hi")
    assert _send(business, "Do you have oat milk?")[0]["text"] == (
        "Sorry, I did not understand that."
    )
    assert not FaqQuestion.objects.exists()


def test_after_a_finished_flow_the_faq_answers_before_a_new_run(business, cafe):
    _send(business, "hi")
    _send(business, payload={"choice": "menu"})
    assert ConversationSession.objects.get().ended_at is not None
    replies = _send(business, "Are dogs allowed?")
    assert replies == [
        {"type": "text", "text": "Dogs are welcome.", "html": "<p>Dogs are welcome.</p>"}
    ]
    assert ConversationSession.objects.count() == 1


def test_a_flow_asks_and_the_faq_answer_action_answers_or_hands_over(business):
    cafe_faqs(business)
    flow_bound(business, ASK)
    _send(business, "hi")
    replies = _send(business, "Are dogs allowed?")
    assert replies[0]["text"] == "Dogs are welcome."
    assert "question" not in Conversation.objects.get().session.state  # not kept
    _send(business, "hi", handle="visitor-2")
    replies = _send(business, "Who won the football world cup in 1954?", handle="visitor-2")
    assert replies[0] == {"type": "error", "text": "Sorry, I have no answer to that yet."}
    assert replies[-1]["text"] == "A colleague will answer here."
    assert Conversation.objects.filter(status=Status.OPEN).count() == 1  # with a person now


def test_the_editor_preview_answers_from_the_faq_but_writes_nothing(business):
    cafe_faqs(business)
    saved = preview_turn(business=business, definition=SHOP, saved=None, language="en")
    saved = preview_turn(
        business=business, definition=SHOP, saved=saved, language="en", message="Are dogs allowed?"
    )
    assert "Dogs are welcome." in [entry.get("text") for entry in saved["log"]]
    assert not FaqQuestion.objects.exists()
    assert not Event.objects.exists()


def test_the_landing_chat_shows_the_answer_and_takes_the_pick(client, business, cafe):
    flow_bound(business, SHOP, channel="web")

    def post(body):
        response = client.post(
            f"/{business.slug}/chat", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200, response.content
        return response.json()["replies"]

    client.get(f"/{business.slug}/")
    post({"action": "start"})
    replies = post({"text": "Are dogs allowed?"})
    assert replies[0]["html"] == "<p>Dogs are welcome.</p>"
    dog = cafe["Can I bring my dog?"]
    replies = post({"text": "Can I bring my dog?", "payload": {"command": f"faq:{dog.pk}"}})
    assert replies[0]["text"] == "Dogs are welcome."

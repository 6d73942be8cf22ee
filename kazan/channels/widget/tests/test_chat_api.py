"""The widget's chat API: turns through the widget flow, payloads checked and passed to the
engine (the form's too), session tokens that cannot be forged or carried to another business,
rate limits, an inactive business, opening hours, hand-off and the team's replies."""

from datetime import UTC, datetime
from unittest import mock

import pytest

from kazan.analytics.models import Event, EventKind
from kazan.channels.widget import api
from kazan.channels.widget.tests.factories import HOST, chat, choice_values, start, widget_on
from kazan.conversations import engine
from kazan.conversations.editor.services import flow_bind
from kazan.conversations.engine.registry import END, WAIT, Answer, StepType, step_type_register
from kazan.conversations.flowstore import flow_version_save
from kazan.conversations.models import Conversation, Status
from kazan.faq.index_cache import process_cache_clear
from kazan.faq.services import faq_create
from kazan.inbox.services import inbox_reply
from kazan.tenancy.models import Business
from kazan.webforms.models import FormSubmission

pytestmark = pytest.mark.django_db


def _started(business) -> int:
    return Event.objects.filter(business=business, kind=EventKind.CHAT_STARTED).count()


def test_start_shows_the_menu_and_counts_one_chat(client, business):
    widget_on(business, whatsapp_number="+4915112345678")
    data = start(client, business)
    assert data["session"] and data["completed"] is False
    assert choice_values(data["replies"]) == ["ask", "whatsapp", "form", "person"]
    thread = Conversation.objects.get(business=business)
    assert thread.channel == "widget"
    # a second turn of the same chat is not a new chat
    chat(client, business, {"session": data["session"], "payload": {"choice": "ask"}})
    assert _started(business) == 1
    start(client, business)
    assert _started(business) == 2


def test_the_menu_leads_to_whatsapp_and_the_question(client, business):
    widget_on(business, whatsapp_number="+4915112345678", whatsapp_text="Hallo Café")
    session = start(client, business)["session"]
    data = chat(client, business, {"session": session, "payload": {"choice": "whatsapp"}}).json()
    links = next(r for r in data["replies"] if r["type"] == "links")["links"]
    assert links[0]["url"] == "https://wa.me/4915112345678?text=Hallo%20Caf%C3%A9"
    # back to the menu after the link, with the options again
    assert choice_values(data["replies"]) == ["ask", "whatsapp", "form", "person"]
    session = start(client, business)["session"]
    data = chat(client, business, {"session": session, "payload": {"choice": "ask"}}).json()
    assert data["completed"] is False
    assert "Type your question" in data["replies"][0]["text"]


def test_after_an_faq_answer_and_after_the_form_the_menu_is_back(client, business):
    """The visitor asks, reads the answer, and can still go on to the form or a person; after
    the form too (the flow's options return to the menu instead of ending the chat)."""
    process_cache_clear()
    widget_on(business)
    faq_create(
        business=business,
        actor=None,
        actor_kind="system",
        language="de",
        question="Habt ihr am Sonntag offen?",
        answer="Sonntags von 9 bis 17 Uhr.",
    )
    session = start(client, business)["session"]
    chat(client, business, {"session": session, "payload": {"choice": "ask"}})
    data = chat(client, business, {"session": session, "text": "Habt ihr am Sonntag offen?"})
    replies = data.json()["replies"]
    assert "Sonntags von 9 bis 17 Uhr." in replies[0]["text"]
    assert choice_values(replies) == ["ask", "form", "person"]
    data = chat(client, business, {"session": session, "payload": {"choice": "form"}}).json()
    assert data["replies"][-1]["type"] == "form"
    form = {"name": "Ada", "email": "ada@example.com", "message": "Ein Tisch?", "consent": True}
    data = chat(client, business, {"session": session, "payload": {"form": form}}).json()
    assert data["completed"] is False
    assert data["replies"][0]["text"].startswith("Thank you!")
    assert choice_values(data["replies"]) == ["ask", "form", "person"]


def test_german_browser_gets_german(client, business):
    widget_on(business, languages=["en", "de"], greetings={"de": "Servus!"})
    response = client.get(
        "/api/v1/widget/settings",
        HTTP_X_CLIENT_ID=business.client_id,
        HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9",
    )
    data = response.json()
    assert data["language"] == "de" and data["greeting"] == "Servus!"
    assert data["strings"]["send"] == "Senden"
    assert data["languages"] == ["en", "de"]
    turn = chat(client, business, {"action": "start", "language": "de"}).json()
    assert "Wie können wir" in turn["replies"][0]["text"] or turn["replies"][0]["text"]


def test_the_flow_route_shows_the_bound_flow_read_only(client, business):
    widget_on(business)
    data = client.get("/api/v1/widget/flow", HTTP_X_CLIENT_ID=business.client_id).json()
    assert data["key"] == "widget" and data["start"] == "hours"
    assert data["steps"]["menu"]["type"] == "choose"
    assert (
        client.post("/api/v1/widget/flow", HTTP_X_CLIENT_ID=business.client_id).status_code == 405
    )


@pytest.mark.parametrize(
    "body",
    [
        {"action": "stop"},
        {"text": "x" * 1001},
        {"payload": {"evil": 1}},
        {"payload": {"choice": {"nested": 1}}},
        {"payload": {"form": {"message": "x" * 2001}}},
        {"payload": {"form": {"message": ["a"]}}},
        {"payload": {"form": "text"}},
        {"visitor": {"name": "x" * 121}},
        {"unknown": 1},
        {"session": "x" * 301},
        {"text": "   "},
    ],
)
def test_bad_input_is_a_clear_4xx(client, business, body):
    widget_on(business)
    response = chat(client, business, body)
    assert response.status_code in (400, 422), response.content
    assert response.json()["message"]


def test_a_body_that_is_not_json_is_a_400(client, business):
    widget_on(business)
    response = client.post(
        "/api/v1/widget/chat",
        "{no",
        content_type="application/json",
        HTTP_X_CLIENT_ID=business.client_id,
    )
    assert response.status_code == 400


def test_a_forged_or_foreign_session_is_refused(client, business, other_business):
    widget_on(business)
    widget_on(other_business)
    session = start(client, business)["session"]
    forged = session[:-3] + ("aaa" if not session.endswith("aaa") else "bbb")
    response = chat(client, business, {"session": forged, "text": "hi"})
    assert response.status_code == 400
    assert response.json()["code"] == "session_invalid"
    # A's token at B: refused, and B's thread count unchanged
    response = chat(client, other_business, {"session": session, "text": "hi"})
    assert response.status_code == 400
    assert not Conversation.objects.filter(business=other_business).exists()
    response = client.get(
        "/api/v1/widget/chat/live", {"session": session}, HTTP_X_CLIENT_ID=other_business.client_id
    )
    assert response.status_code == 400


def test_the_form_payload_reaches_the_step(client, business):
    """The form step (webforms) reads `payload["form"]`: the API passes it through unchanged."""
    seen = {}

    def ask(ctx, step, replies):
        replies.append({"type": "form", "form": "contact", "fields": [], "submit": "Go"})
        return WAIT

    def answer(ctx, step, inbound, replies):
        seen.update(inbound.payload["form"])
        seen["visitor"] = inbound.meta.get("visitor_email")
        replies.append(engine.reply_text("Thanks"))
        return Answer(next=END, log="form")

    step_type_register(
        StepType("widget_test_form", ask, answer=answer, prompt=lambda ctx, step, repeat: [])
    )
    widget_on(business)
    version = flow_version_save(
        business=business,
        key="formtest",
        name="Form test",
        definition={"start": "f", "steps": {"f": {"type": "widget_test_form"}}},
    )
    flow_bind(
        business=business, flow=version.flow, channel="widget", restart_keywords=[], actor=None
    )
    data = start(client, business)
    assert data["replies"][-1]["type"] == "form"
    form = {"name": "Ada", "email": "ada@example.com", "message": "Hi", "consent": True}
    response = chat(
        client,
        business,
        {
            "session": data["session"],
            "payload": {"form": form},
            "visitor": {"email": "v@example.com"},
        },
    )
    assert response.status_code == 200, response.content
    assert seen == {**form, "visitor": "v@example.com"}
    assert response.json()["completed"] is True


def test_chats_are_rate_limited_per_ip_and_per_client(client, business):
    widget_on(business)
    with mock.patch.object(api, "CHAT_LIMIT_PER_IP", (2, 60)):
        assert start(client, business)
        assert start(client, business)
        response = chat(client, business, {"action": "start"})
        assert response.status_code == 429
        assert response.json()["code"] == "rate_limited"
    # two turns of this client counted so far (the refused third stopped at the IP's limit)
    with mock.patch.object(api, "CHAT_LIMIT_PER_CLIENT", (3, 60)):
        client.defaults["REMOTE_ADDR"] = "10.0.0.9"
        assert chat(client, business, {"action": "start"}).status_code == 200
        client.defaults["REMOTE_ADDR"] = "10.0.0.10"
        assert chat(client, business, {"action": "start"}).status_code == 429


def test_an_inactive_business_or_switched_off_widget_answers_nothing(client, business):
    response = chat(client, business, {"action": "start"})
    assert response.status_code == 403
    assert response.json()["code"] == "widget_disabled"
    widget_on(business)
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    response = chat(client, business, {"action": "start"})
    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert (
        client.get("/api/v1/widget/settings", HTTP_X_CLIENT_ID=business.client_id).status_code
        == 503
    )
    assert not Conversation.objects.filter(business=business).exists()


def test_without_a_client_id_there_is_no_chat(client, business):
    widget_on(business)
    response = client.post("/api/v1/widget/chat", "{}", content_type="application/json")
    assert response.status_code == 401


def _at(hour_utc):
    # Monday 5 January 2026; Berlin is UTC+1
    return datetime(2026, 1, 5, hour_utc, 0, tzinfo=UTC)


def test_outside_the_opening_hours_a_person_is_not_promised(client, business):
    widget_on(
        business, opening_hours={"0": [["09:00", "17:00"]]}, offline_messages={"en": "Back at 9."}
    )
    with mock.patch("django.utils.timezone.now", return_value=_at(20)):
        settings = client.get("/api/v1/widget/settings", HTTP_X_CLIENT_ID=business.client_id).json()
        assert settings["open_now"] is False and settings["offline_message"] == "Back at 9."
        session = start(client, business)["session"]
        data = chat(client, business, {"session": session, "payload": {"choice": "person"}}).json()
    assert [r["text"] for r in data["replies"] if r["type"] == "text"] == ["Back at 9."]
    assert Conversation.objects.get(business=business).status == Status.BOT


def test_in_the_opening_hours_the_team_takes_over_and_answers(client, business, owner):
    widget_on(business, opening_hours={"0": [["09:00", "17:00"]]})
    with mock.patch("django.utils.timezone.now", return_value=_at(10)):
        session = start(client, business)["session"]
        chat(client, business, {"session": session, "payload": {"choice": "person"}})
    thread = Conversation.objects.get(business=business)
    assert thread.status == Status.OPEN

    def live(**query):
        return client.get(
            "/api/v1/widget/chat/live",
            {"session": session, **query},
            HTTP_X_CLIENT_ID=business.client_id,
        ).json()

    first = live()
    assert first["with_person"] is True and first["replies"] == []
    inbox_reply(business=business, conversation=thread, text="Hi, Kim here.", actor=owner)
    data = live(after=first["cursor"])
    assert data["replies"] == [{"type": "text", "text": "Hi, Kim here."}]
    # the visitor writes back: it waits in the inbox, the bot stays quiet
    response = chat(client, business, {"session": session, "text": "Thanks!"})
    assert response.json()["replies"] == []


@pytest.mark.parametrize(("origin", "kept"), [(HOST + "/", HOST), ("https://evil.example", "")])
def test_a_form_sent_from_the_chat_keeps_the_allowed_origin_it_was_sent_from(
    client, business, origin, kept
):
    """The frame sends the host page's origin; kept with the submission only when allowed."""
    widget_on(business)
    session = start(client, business)["session"]
    chat(client, business, {"session": session, "payload": {"choice": "form"}})
    form = {"email": "ada@example.com", "message": "Hallo"}
    response = chat(
        client, business, {"session": session, "payload": {"form": form}, "origin": origin}
    )
    assert response.status_code == 200, response.content
    assert FormSubmission.objects.get(business=business).origin == kept

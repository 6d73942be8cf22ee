""" "Try it": the flow in the form runs in the page — say, ask, choose, branch, hand-off and end
for real, actions only described — and nothing reaches the database: no customer, no
conversation, no outbound message, no new flow version."""

import pytest

from kazan.activity.models import Activity
from kazan.conversations.editor.preview import preview_turn
from kazan.conversations.flowstore import flow_default_ensure
from kazan.conversations.models import Conversation, ConversationMessage, FlowVersion
from kazan.conversations.tests.editor_helpers import editor_fields
from kazan.core.errors import ValidationFailed
from kazan.customers.models import Customer
from kazan.messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db

MENU = {
    "start": "hello",
    "steps": {
        "hello": {
            "type": "say",
            "text": {"en": "Hi at Café A", "de": "Hallo"},
            "next": "menu",
        },
        "menu": {
            "type": "choose",
            "prompt": {"en": "What now?"},
            "var": "topic",
            "choices": [
                {"value": "wish", "label": {"en": "A wish", "de": "Ein Wunsch"}, "next": "wish"},
                {"value": "person", "label": {"en": "A person"}, "next": "person"},
            ],
        },
        "wish": {
            "type": "ask",
            "input": "text",
            "var": "wish",
            "prompt": {"en": "Tell us"},
            "next": "check",
        },
        "check": {
            "type": "branch",
            "cases": [{"if": {"var": "wish", "eq": "cake"}, "next": "cake"}],
            "default": "done",
        },
        "cake": {"type": "act", "action": "voucher_welcome", "next": "done"},
        "person": {"type": "handoff", "text": {"en": "A person will answer."}},
        "done": {"type": "end"},
    },
}


def _texts(saved: dict) -> list[str]:
    return [reply.get("text", "") for reply in saved["log"] if reply.get("text")]


def _nothing_written(business) -> None:
    assert not Customer.objects.filter(business=business).exists()
    assert not Conversation.objects.filter(business=business).exists()
    assert not ConversationMessage.objects.filter(business=business).exists()
    assert not OutboundMessage.objects.filter(business=business).exists()


def test_a_run_through_options_a_question_a_branch_and_an_action(business):
    saved = preview_turn(business=business, definition=MENU, saved=None, language="en")
    assert _texts(saved) == ["Hi at Café A", "What now?"]
    assert [c["label"] for c in saved["choices"]] == ["A wish", "A person"]

    saved = preview_turn(
        business=business, definition=MENU, saved=saved, language="en", choice="wish"
    )
    saved = preview_turn(
        business=business, definition=MENU, saved=saved, language="en", message="cake"
    )

    assert _texts(saved)[-3:] == [
        "Tell us",
        "cake",
        "(here the bot would: issue the welcome voucher)",
    ]
    assert saved["ended"] and saved["state"] == {"topic": "wish", "wish": "cake"}
    _nothing_written(business)


def test_the_preview_speaks_the_chosen_language_with_the_business_language_as_fallback(business):
    saved = preview_turn(business=business, definition=MENU, saved=None, language="de")

    assert _texts(saved) == ["Hallo", "What now?"]
    assert [c["label"] for c in saved["choices"]] == ["Ein Wunsch", "A person"]


def test_a_handoff_ends_the_preview_and_the_next_turn_starts_again(business):
    saved = preview_turn(business=business, definition=MENU, saved=None, language="en")
    saved = preview_turn(
        business=business, definition=MENU, saved=saved, language="en", choice="person"
    )
    assert saved["handed_off"] and _texts(saved)[-1] == "A person will answer."

    again = preview_turn(business=business, definition=MENU, saved=saved, language="en")
    assert _texts(again) == ["Hi at Café A", "What now?"]


def test_misunderstood_answers_go_down_the_fallback_chain_as_on_a_real_channel(business):
    saved = preview_turn(business=business, definition=MENU, saved=None, language="en")
    for _attempt in range(2):
        saved = preview_turn(
            business=business, definition=MENU, saved=saved, language="en", message="pizza?"
        )
        assert _texts(saved)[-1] == "Sorry, I did not understand that."
        assert [c["value"] for c in saved["choices"]] == ["wish", "person"]

    saved = preview_turn(
        business=business, definition=MENU, saved=saved, language="en", message="pizza!"
    )

    assert saved["handed_off"] and saved["misses"] == 3  # BotSettings: a person after 3 misses
    _nothing_written(business)


def test_the_funnel_runs_with_its_actions_described_and_no_sms(business, consent_wordings):
    definition = flow_default_ensure(business=business).current_version.definition
    saved = preview_turn(business=business, definition=definition, saved=None, language="en")
    for answer in ["Anna", "+4915112345678", "true", "123456"]:
        saved = preview_turn(
            business=business, definition=definition, saved=saved, language="en", message=answer
        )

    texts = _texts(saved)
    assert "(here the bot would: send a confirmation code by SMS)" in texts
    assert "(here the bot would: save the guest as a customer)" in texts
    assert saved["waiting"] and saved["step"] == "ask_rating"
    _nothing_written(business)


def test_a_link_step_shows_its_web_whatsapp_and_form_links_and_goes_on(business):
    definition = {
        "start": "links",
        "steps": {
            "links": {
                "type": "link",
                "text": {"en": "Find us", "de": "Hier findest du uns"},
                "links": [
                    {"label": {"en": "Website"}, "url": "https://cafe.example/"},
                    {
                        "label": {"en": "WhatsApp", "de": "WhatsApp"},
                        "whatsapp": "+4915112345678",
                        "text": {"en": "Hello & welcome", "de": "Hallo, ein Tisch?"},
                    },
                    {"label": {"en": "Book"}, "form": "https://forms.example/book"},
                ],
                "next": "bye",
            },
            "bye": {"type": "say", "text": {"en": "Bye"}},
        },
    }

    saved = preview_turn(business=business, definition=definition, saved=None, language="de")

    links = next(reply["links"] for reply in saved["log"] if reply["type"] == "links")
    assert links == [
        {"label": "Website", "url": "https://cafe.example/", "kind": "link"},
        {
            "label": "WhatsApp",
            "url": "https://wa.me/4915112345678?text=Hallo%2C%20ein%20Tisch%3F",
            "kind": "whatsapp",
        },
        {"label": "Book", "url": "https://forms.example/book", "kind": "form"},
    ]
    assert _texts(saved) == ["Hier findest du uns", "Bye"] and saved["ended"]
    _nothing_written(business)


def test_the_preview_page_shows_a_link_step_of_the_form(owner_client, business):
    flow = flow_default_ensure(business=business)
    fields = editor_fields(owner_client.get(f"/dashboard/flows/{flow.pk}/").content.decode())
    fields = {
        "flow_name": fields["flow_name"],
        "steps": "1",
        "s0-name": "links",
        "s0-type": "link",
        "s0-text-en": "Write to us",
        "s0-links": "1",
        "s0-l0-kind": "whatsapp",
        "s0-l0-label-en": "Chat on WhatsApp",
        "s0-l0-target": "+49 151 12345678",
        "s0-l0-text-en": "Hi!",
    }

    response = owner_client.post(
        f"/dashboard/flows/{flow.pk}/preview/", {**fields, "preview_action": "restart"}
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="https://wa.me/4915112345678?text=Hi%21"' in html
    assert "Chat on WhatsApp" in html and "Write to us" in html
    _nothing_written(business)


def test_an_invalid_definition_is_refused_with_the_engines_reason(business):
    broken = {"start": "a", "steps": {"a": {"type": "teleport"}}}

    with pytest.raises(ValidationFailed, match="unknown type teleport"):
        preview_turn(business=business, definition=broken, saved=None, language="en")


def test_the_preview_page_runs_the_unsaved_form_and_saves_nothing(owner_client, business):
    flow = flow_default_ensure(business=business)
    page = owner_client.get(f"/dashboard/flows/{flow.pk}/")
    fields = editor_fields(page.content.decode())
    fields["s0-text-en"] = "Unsaved hello"
    activity_before = Activity.objects.filter(business=business).count()
    url = f"/dashboard/flows/{flow.pk}/preview/"
    htmx = {"HTTP_HX_REQUEST": "true"}

    started = owner_client.post(url, {**fields, "preview_action": "restart"}, **htmx)
    answered = owner_client.post(
        url, {**fields, "preview_action": "send", "preview_message": "Anna"}, **htmx
    )

    assert started.status_code == 200
    assert "Unsaved hello" in started.content.decode()
    assert "Nice to meet you, Anna!" in answered.content.decode()
    assert FlowVersion.objects.filter(flow=flow).count() == 1
    assert Activity.objects.filter(business=business).count() == activity_before
    _nothing_written(business)


def test_the_preview_page_says_what_to_fix_in_the_form(owner_client, business):
    flow = flow_default_ensure(business=business)
    fields = editor_fields(owner_client.get(f"/dashboard/flows/{flow.pk}/").content.decode())
    fields["s0-text-en"] = ""

    response = owner_client.post(
        f"/dashboard/flows/{flow.pk}/preview/", {**fields, "preview_action": "restart"}
    )

    assert response.status_code == 400
    assert "Please correct the steps marked in the form" in response.content.decode()
    junk = owner_client.post(f"/dashboard/flows/{flow.pk}/preview/", {"steps": "x"})
    assert junk.status_code == 400


def test_steps_that_only_talk_in_a_circle_are_refused(owner_client, business):
    from kazan.conversations.editor.forms import FlowDraft

    data = {
        "flow_name": "Loop",
        "steps": "2",
        "s0-name": "a",
        "s0-type": "say",
        "s0-text-en": "A",
        "s0-next": "b",
        "s1-name": "b",
        "s1-type": "say",
        "s1-text-en": "B",
        "s1-next": "a",
    }
    draft = FlowDraft(data, business=business, base={})

    assert draft.definition() is None
    assert "lead to each other without asking anything" in draft.errors[0]

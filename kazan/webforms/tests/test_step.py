"""The engine's `form` step end to end through conversation_receive: the form reply on the
widget, mistakes shown again with the values, success thanks and goes on, typed text gets a
hint; SMS gets the hosted page's link, third-party mode the business's own form's link; and
flow_check accepts and refuses form steps."""

import pytest

from kazan.conversations.engine import Inbound, flow_check
from kazan.conversations.services import conversation_receive
from kazan.conversations.tests.factories import flow_bound
from kazan.webforms.models import FormSubmission
from kazan.webforms.testing import form_configure

pytestmark = pytest.mark.django_db

FLOW = {
    "key": "contact",
    "start": "form",
    "steps": {
        "form": {"type": "form", "text": {"en": "Write to us:"}, "next": "bye"},
        "bye": {"type": "say", "text": {"en": "Anything else?"}, "next": "end"},
        "end": {"type": "end"},
    },
}


# The website widget shows the form inside the chat.
CHAT = "widget"


@pytest.fixture
def flow(business):
    return flow_bound(business, FLOW)


def _send(business, *, text="", payload=None, channel=CHAT, handle="visitor-1"):
    return conversation_receive(
        business=business,
        channel=channel,
        handle=handle,
        inbound=Inbound(text=text, payload=payload, meta={"ip": "203.0.113.9"}),
        language="en",
    ).replies


def _form(replies):
    return next(r for r in replies if r["type"] == "form")


def test_the_widget_gets_the_form_then_errors_then_thanks_and_next(business, flow):
    first = _send(business, text="hi")
    assert first[0] == {"type": "text", "text": "Write to us:"}
    form = _form(first)
    assert form["form"] == "contact"
    assert [f["name"] for f in form["fields"]] == ["name", "email", "phone", "message"]
    email = next(f for f in form["fields"] if f["name"] == "email")
    assert email == {
        "name": "email",
        "label": "Email address",
        "type": "email",
        "required": True,
        "autocomplete": "email",
    }
    assert business.name in form["consent"]["text"] and form["consent"]["required"] is False

    wrong = _send(business, payload={"form": {"name": "Anna", "email": "nope", "message": ""}})
    again = _form(wrong)
    assert set(again["errors"]) == {"email", "message"}
    assert again["values"]["name"] == "Anna" and again["values"]["email"] == "nope"
    assert not FormSubmission.objects.exists()

    done = _send(
        business,
        payload={
            "form": {"name": "Anna", "email": "anna@example.com", "message": "Hi", "consent": True}
        },
    )
    texts = [r["text"] for r in done if r["type"] == "text"]
    assert texts[0].startswith("Thank you!")
    assert texts[-1] == "Anything else?"
    sent = FormSubmission.objects.get()
    assert sent.channel == CHAT and sent.conversation_id is not None
    assert sent.consent_given


def test_typed_text_instead_of_the_form_gets_a_hint_and_the_form_again(business, flow):
    _send(business, text="hi")
    replies = _send(business, text="just call me")
    assert replies[0]["type"] == "text" and "fill in the form" in replies[0]["text"]
    assert _form(replies)["type"] == "form"
    assert not FormSubmission.objects.exists()


def test_sms_gets_the_hosted_form_link_and_the_flow_goes_on(business, flow):
    replies = _send(business, text="hi", channel="sms", handle="+4915112345678")
    links = next(r for r in replies if r["type"] == "links")
    assert links["links"][0]["url"].endswith(f"/{business.slug}/form")
    assert links["links"][0]["kind"] == "form"
    assert replies[-1] == {"type": "text", "text": "Anything else?"}


def test_third_party_mode_links_to_the_business_form(business, flow):
    form_configure(business, mode="third_party", third_party_url="https://forms.example.com/a")
    replies = _send(business, text="hi")
    links = next(r for r in replies if r["type"] == "links")
    assert links["links"][0]["url"] == "https://forms.example.com/a"
    assert links["links"][0]["kind"] == "form"
    assert not any(r["type"] == "form" for r in replies)
    assert replies[-1]["text"] == "Anything else?"


def test_the_form_follows_the_business_settings_and_language(business):
    flow_bound(business, FLOW)
    form_configure(
        business,
        fields={
            "name": {"enabled": False, "required": False},
            "email": {"enabled": True, "required": True},
            "phone": {"enabled": False, "required": False},
            "message": {"enabled": True, "required": False},
        },
        consent_texts={"de": "Ja bitte."},
        consent_required=True,
        titles={"de": "Schreib uns"},
    )
    replies = conversation_receive(
        business=business,
        channel=CHAT,
        handle="v-de",
        inbound=Inbound(text="hallo"),
        language="de",
    ).replies
    form = _form(replies)
    assert [f["name"] for f in form["fields"]] == ["email", "message"]
    assert form["consent"] == {"text": "Ja bitte.", "required": True}
    assert form["title"] == "Schreib uns"


def test_flow_check_accepts_the_form_step_and_refuses_bad_ones():
    flow_check(FLOW)
    bad = {**FLOW, "steps": {**FLOW["steps"], "form": {"type": "form", "next": "nowhere"}}}
    with pytest.raises(ValueError, match="unknown steps"):
        flow_check(bad)
    odd = {
        **FLOW,
        "steps": {**FLOW["steps"], "form": {"type": "form", "fields": [], "next": "bye"}},
    }
    with pytest.raises(ValueError, match="unknown fields"):
        flow_check(odd)
    long = {**FLOW, "steps": {**FLOW["steps"], "form": {"type": "form", "thanks": 5}}}
    with pytest.raises(ValueError):
        flow_check(long)

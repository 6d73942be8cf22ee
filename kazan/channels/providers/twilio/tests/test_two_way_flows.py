"""Issue 10's "done when" over the real webhook: one stored flow runs on SMS and on the web.

A business's stored menu (a choose step whose third option hands off) is bound to SMS. A signed
Twilio inbound webhook stores the event, its task runs the flow, the reply is queued in the
outbox with the options numbered and delivered through the local fake Twilio from the
business's own number; the customer answers "2" and gets the second option's branch. The same
stored version on the landing chat says the same texts, with buttons. A finished flow answers
the next SMS; the hand-off puts the SMS thread in the team inbox, and an agent's reply from
the inbox goes out to the customer's number through the outbox.
"""

import json
from itertools import count

import pytest
from django.test import Client

from kazan.channels.providers.twilio.tests.signing import twilio_deliver, twilio_text
from kazan.channels.tests.factories import BUSINESS_NUMBER, connect_fields
from kazan.conversations.models import Conversation, ConversationSession, FlowBinding, Status
from kazan.conversations.tests.factories import flow_bound
from kazan.messaging.models import OutboundMessage
from kazan.messaging.models import Status as Delivery
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inbound_settings", "installed")]

MENU = {
    "key": "menu",
    "start": "greeting",
    "steps": {
        "greeting": {"type": "say", "text": {"en": "Hi from Café A!"}, "next": "menu"},
        "menu": {
            "type": "choose",
            "prompt": {"en": "What can we do for you?"},
            "var": "topic",
            "choices": [
                {"value": "hours", "label": {"en": "Opening hours"}, "next": "hours"},
                {"value": "where", "label": {"en": "How to find us"}, "next": "where"},
                {"value": "person", "label": {"en": "Talk to a person"}, "next": "person"},
            ],
        },
        "hours": {"type": "say", "text": {"en": "Mon–Sat 8:00–19:00."}},
        "where": {"type": "say", "text": {"en": "Torstraße 1, Berlin."}},
        "person": {"type": "handoff", "text": {"en": "One moment, a person will answer here."}},
    },
}
MENU_SMS = (
    "Hi from Café A!\nWhat can we do for you?\n1. Opening hours\n2. How to find us\n"
    "3. Talk to a person"
)
_sids = count(1)


@pytest.fixture
def menu(business):
    return flow_bound(business, MENU, channel="sms")


def sms(fake, body: str) -> str:
    """The customer texts the business's number (a new MessageSid each time); returns the body
    of the SMS Twilio was last asked to send."""
    response = twilio_deliver(
        Client(),
        twilio_text(body, MessageSid=f"SM{next(_sids):032x}"),
        token=connect_fields()["auth_token"],
    )
    assert response.status_code == 200
    return fake.sends()[-1].form["Body"]


def test_sms_runs_the_stored_flow_with_numbered_options_and_2_takes_the_second_branch(
    business, menu, platform_twilio, installed
):
    # when a customer texts the business's number
    assert sms(platform_twilio, "Hi") == MENU_SMS

    # then the reply went through the outbox, from the business's own number, to the customer
    reply = OutboundMessage.objects.get(business=business)
    assert (reply.channel, reply.installation, reply.status) == ("sms", installed, Delivery.SENT)
    assert reply.payload["replies"][-1]["type"] == "choices"  # rendered as numbers at send time
    sent = platform_twilio.sends()[-1].form
    assert (sent["To"], sent["From"]) == (PHONE, BUSINESS_NUMBER)

    # when they answer "2", they get the second option's branch
    assert sms(platform_twilio, "2") == "Torstraße 1, Berlin."
    thread = Conversation.objects.get(business=business, channel="sms")
    assert thread.session.flow_version == menu
    assert thread.session.state["topic"] == "where"
    assert thread.session.end_reason == ConversationSession.EndReason.COMPLETED
    assert list(thread.messages.order_by("id").values_list("direction", "text")) == [
        ("in", "Hi"),
        ("out", "Hi from Café A!\nWhat can we do for you?"),
        ("in", "How to find us"),
        ("out", "Torstraße 1, Berlin."),
    ]


def test_the_same_stored_flow_on_the_web_says_the_same_with_buttons(
    client, business, menu, platform_twilio
):
    FlowBinding.objects.create(business=business, channel="web", flow=menu.flow)

    def chat(body: dict) -> list[dict]:
        response = client.post(
            f"/{business.slug}/chat", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 200
        return response.json()["replies"]

    client.get(f"/{business.slug}/?lang=en")
    web = chat({"action": "start"})
    texts = [reply["text"] for reply in web if reply["type"] == "text"]
    [buttons] = [reply["choices"] for reply in web if reply["type"] == "choices"]
    numbered = [f"{n}. {button['label']}" for n, button in enumerate(buttons, start=1)]
    assert "\n".join(texts + numbered) == sms(platform_twilio, "Hi") == MENU_SMS

    # the second button and the SMS answer "2" lead to the same branch, of the same version
    assert chat({"payload": {"choice": buttons[1]["value"]}}) == [
        {"type": "text", "text": sms(platform_twilio, "2")}
    ]
    versions = ConversationSession.objects.filter(business=business).values_list(
        "conversation__channel", "flow_version"
    )
    assert sorted(versions) == [("sms", menu.pk), ("web", menu.pk)]


def test_a_finished_flow_answers_the_next_sms(business, menu, platform_twilio):
    sms(platform_twilio, "Hi")
    assert sms(platform_twilio, "1") == "Mon–Sat 8:00–19:00."

    assert sms(platform_twilio, "Thanks!") == MENU_SMS
    thread = Conversation.objects.get(business=business)
    sessions = list(thread.sessions.order_by("id").values_list("end_reason", "waiting"))
    assert sessions == [(ConversationSession.EndReason.COMPLETED, False), ("", True)]


def test_a_handoff_puts_the_sms_thread_in_the_inbox_and_the_agents_reply_goes_out_by_sms(
    client, business, menu, platform_twilio, installed
):
    # given a customer who asks for a person
    sms(platform_twilio, "Hi")
    assert sms(platform_twilio, "3") == "One moment, a person will answer here."
    thread = Conversation.objects.get(business=business, channel="sms")
    assert thread.status == Status.OPEN
    assert thread.session.end_reason == ConversationSession.EndReason.HANDOFF

    # when they write again, the bot stays quiet and the message waits in the inbox
    sent_before = len(platform_twilio.sends())
    sms_count = OutboundMessage.objects.count()
    sms(platform_twilio, "Can I bring my dog?")
    assert OutboundMessage.objects.count() == sms_count
    assert len(platform_twilio.sends()) == sent_before
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    listed = client.get("/dashboard/inbox/?status=open")
    assert "Can I bring my dog?" in listed.content.decode()

    # and an agent answers from the inbox
    response = client.post(f"/dashboard/inbox/{thread.pk}/reply", {"text": "Dogs are welcome!"})
    assert response.status_code == 302
    tasks_run_all()

    # then the reply is queued in the outbox to the customer's number and sent by Twilio
    reply = OutboundMessage.objects.latest("id")
    assert (reply.purpose, reply.status, reply.body) == (
        "transactional",
        Delivery.SENT,
        "Dogs are welcome!",
    )
    sent = platform_twilio.sends()[-1].form
    assert (sent["To"], sent["Body"]) == (PHONE, "Dogs are welcome!")
    agent_message = thread.messages.get(author_kind="agent")
    assert (agent_message.author, agent_message.outbound) == (agent, reply)

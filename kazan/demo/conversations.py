"""The demo café's omnichannel core: a menu flow answering SMS, a few real threads in the team
inbox, and canned responses.

Every message goes the way a real one does: an inbound SMS is stored as an inbound event and
processed as the worker processes it (STOP/HELP first, then conversation_receive; the bot's
replies queued through the outbox), a web visitor's message goes to conversation_receive as the
landing chat sends it, and the team answers through the inbox's services. The platform's
console provider carries the SMS (no Twilio account is connected in the demo): the café's
guests are routed to it because it texted them last.
"""

import secrets

from kazan.conversations.engine import Inbound

MENU_FLOW = "menu"
CANNED = [
    ("Opening hours", "We are open Monday to Saturday, 8:00 to 19:00, and Sunday 9:00 to 17:00."),
    ("Directions", "We are at Torstraße 1, 10119 Berlin: two minutes from U Rosa-Luxemburg-Platz."),
    (
        "Table reservations",
        "We keep tables for groups of 6 or more; tell us the day, the time and how many you are.",
    ),
]


def menu_definition(business) -> dict:
    """The SMS menu: three options, the third hands the guest to a person."""
    return {
        "start": "greeting",
        "steps": {
            "greeting": {
                "type": "say",
                "text": {
                    "en": f"Hi, this is {business.name}!",
                    "de": f"Hallo, hier ist {business.name}!",
                },
                "next": "menu",
            },
            "menu": {
                "type": "choose",
                "prompt": {"en": "What can we do for you?", "de": "Was können wir für Sie tun?"},
                "var": "topic",
                "choices": [
                    {
                        "value": "hours",
                        "label": {"en": "Opening hours", "de": "Öffnungszeiten"},
                        "next": "hours",
                    },
                    {
                        "value": "where",
                        "label": {"en": "How to find us", "de": "So finden Sie uns"},
                        "next": "where",
                    },
                    {
                        "value": "person",
                        "label": {"en": "Talk to a person", "de": "Mit einer Person sprechen"},
                        "next": "person",
                    },
                ],
            },
            "hours": {
                "type": "say",
                "text": {
                    "en": "Mon–Sat 8:00–19:00, Sun 9:00–17:00.",
                    "de": "Mo–Sa 8:00–19:00, So 9:00–17:00.",
                },
            },
            "where": {
                "type": "say",
                "text": {
                    "en": "Torstraße 1, 10119 Berlin, next to U Rosa-Luxemburg-Platz.",
                    "de": "Torstraße 1, 10119 Berlin, neben der U Rosa-Luxemburg-Platz.",
                },
            },
            "person": {
                "type": "handoff",
                "text": {
                    "en": "One moment, someone from our team will answer you here.",
                    "de": "Einen Moment, jemand aus unserem Team antwortet Ihnen hier.",
                },
            },
        },
    }


def _sms_in(business, *, phone: str, texts: list[str]) -> None:
    """The guest texts the platform's number; each message is processed as the worker does."""
    from kazan.channels.providers.base import InboundMessage
    from kazan.channels.services import inbound_process, inbound_store

    for text in texts:
        message = InboundMessage(
            provider_message_id=f"DEMO{secrets.token_hex(14)}",
            sender=phone,
            recipient="",
            text=text,
        )
        event, _stored = inbound_store(
            provider="console", channel="sms", message=message, installation=None
        )
        inbound_process(event_id=event.pk)


def _thread(business, phone: str):
    from kazan.conversations.queries import conversation_for_handle

    return conversation_for_handle(business=business, channel="sms", handle=phone)


def conversations_load(*, business, owner, agent, phones: list[str]) -> None:
    """The menu bound to SMS; four SMS threads of the café's guests (`phones`, texted by the
    café before) and a web visitor's: one waiting for a person, one answered with a note and
    waiting for the guest, one resolved, one whose menu finished, one mid-funnel on the web."""
    from kazan.conversations.editor.services import flow_bind
    from kazan.conversations.flowstore import flow_version_save
    from kazan.conversations.models import Status
    from kazan.conversations.services import conversation_receive
    from kazan.inbox.services import (
        canned_response_create,
        inbox_assign,
        inbox_note,
        inbox_reply,
        inbox_status_set,
    )

    version = flow_version_save(
        business=business,
        key=MENU_FLOW,
        name="SMS menu",
        definition=menu_definition(business),
        actor=owner,
    )
    flow_bind(business=business, flow=version.flow, channel="sms", restart_keywords=[], actor=owner)
    for title, text in CANNED:
        canned_response_create(business=business, title=title, text=text, actor=owner)

    waiting, answered, resolved, finished = phones[:4]
    # A guest asks for a person (option 3) and writes; nobody has answered yet.
    _sms_in(
        business,
        phone=waiting,
        texts=["Hi", "3", "Can we book the back room for 12 people on Saturday at 7pm?"],
    )
    # One the agent answered, with a note for the team; now waiting for the guest.
    _sms_in(business, phone=answered, texts=["Hello", "Talk to a person", "Do you have oat milk?"])
    thread = _thread(business, answered)
    inbox_assign(business=business, conversation=thread, assignee=agent, actor=agent)
    inbox_reply(
        business=business,
        conversation=thread,
        text="Yes, oat and almond milk, at no extra charge. See you soon!",
        actor=agent,
    )
    inbox_note(
        business=business,
        conversation=thread,
        text="Third guest this week asking for oat milk: let's put it on the board.",
        actor=agent,
    )
    inbox_status_set(business=business, conversation=thread, status=Status.PENDING, actor=agent)
    # One answered and done.
    _sms_in(business, phone=resolved, texts=["MENU", "3", "Is the terrace open today?"])
    thread = _thread(business, resolved)
    inbox_reply(
        business=business,
        conversation=thread,
        text="It is, until 22:00. Blankets are on the chairs!",
        actor=owner,
    )
    inbox_status_set(business=business, conversation=thread, status=Status.RESOLVED, actor=owner)
    # The bot answered on its own: the menu finished, and the next SMS starts it again.
    _sms_in(business, phone=finished, texts=["Hi", "1", "Thanks!"])
    # A visitor on the website, in the middle of the review funnel.
    handle = secrets.token_urlsafe(24)
    for inbound in (Inbound(), Inbound(text="Lena")):
        conversation_receive(
            business=business, channel="web", handle=handle, inbound=inbound, language="en"
        )

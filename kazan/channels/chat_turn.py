"""One turn of a web chat, shared by the landing page (channels/web/views.py, the visitor known
by a signed cookie) and the website widget (channels/widget/api.py, known by a signed token the
frame keeps in memory): check the answer's payload, run conversation_receive under the
visitor's handle (a new random one for a new visitor), and lead the business's own links
through the counting redirect. Each caller keeps its own transport: how the handle travels,
how input is parsed, what it answers."""

import secrets
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from kazan.conversations.engine import Inbound
from kazan.conversations.queries import (
    agent_replies_after,
    conversation_for_handle,
    conversation_log,
    thread_cursor,
)
from kazan.conversations.services import conversation_receive
from kazan.inbox.queries import WITH_PERSON

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

TEXT_MAX = 1000
# A chat answer's payload: a choice, a value (stars, a consent box), a command, or a form.
PAYLOAD_KEYS = frozenset({"value", "choice", "command", "form"})
FORM_FIELDS_MAX = 20
FORM_VALUE_MAX = 2000


def payload_problem(payload: object) -> str | None:
    """Why an answer's payload is not valid (a translated message), or None. Scalars of at most
    TEXT_MAX characters; `form` an object of at most FORM_FIELDS_MAX strings (≤ 2000
    characters) and booleans, keyed by short names."""
    if payload is None:
        return None
    invalid = _("This answer is not valid.")
    if not isinstance(payload, dict) or not set(payload) <= PAYLOAD_KEYS:
        return invalid
    for key, value in payload.items():
        if key == "form":
            if not isinstance(value, dict) or len(value) > FORM_FIELDS_MAX:
                return invalid
            for name, field in value.items():
                if not isinstance(name, str) or len(name) > 40:
                    return invalid
                if not isinstance(field, str | bool) or (
                    isinstance(field, str) and len(field) > FORM_VALUE_MAX
                ):
                    return invalid
        elif not isinstance(value, str | int | bool) or (
            isinstance(value, str) and len(value) > TEXT_MAX
        ):
            return invalid
    return None


def links_for_web(business: "Business", replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The business's own links (those with a `target`) lead through the counting redirect,
    never straight to the network; a flow's link step keeps its address."""
    for reply in replies:
        if reply.get("type") == "links":
            for link in reply["links"]:
                if link.get("target"):
                    link["url"] = reverse(
                        "landing:go",
                        kwargs={"business_slug": business.slug, "target": link["target"]},
                    )
    return replies


@dataclass(frozen=True)
class ChatTurn:
    key: str  # the visitor's handle after the turn (new when `started`)
    replies: list[dict[str, Any]]
    completed: bool  # the flow's session has ended
    started: bool  # a new thread was opened under a new handle


def chat_turn(
    *,
    business: "Business",
    channel: str,
    key: str | None,
    action: str,
    text: str,
    payload: dict[str, Any] | None,
    language: str,
    meta: dict[str, str],
) -> ChatTurn:
    """Every turn goes to conversation_receive (the visitor's handle is `key`); only a (re)load
    of a known thread ("start") shows its log instead. A message in a known thread is looked up
    and locked by the turn itself (no look-up of its own here)."""
    inbound = (
        Inbound(text=text, payload=payload, meta=meta)
        if action == "message"
        else Inbound(meta=meta)
    )
    received = None
    thread = None
    receive = partial(
        conversation_receive, business=business, channel=channel, inbound=inbound, language=language
    )
    replies: list[dict[str, Any]] = []
    if key is not None and action == "start":
        thread = conversation_for_handle(business=business, channel=channel, handle=key)
        if thread is not None:
            replies = conversation_log(business=business, conversation=thread)
        else:
            key = None
    elif key is not None:
        received = receive(handle=key, known_only=True)
        if received.unknown:
            key, received = None, None
    started = key is None
    if key is None:
        # A new visitor, or an expired or purged chat: a new thread under a new handle.
        key = secrets.token_urlsafe(24)
        received = receive(handle=key, handle_new=True)
    if received is not None:
        thread, replies = received.conversation, received.replies
    session = thread.session if thread is not None else None
    return ChatTurn(
        key=key,
        replies=links_for_web(business, replies),
        completed=session is not None and not session.running,
        started=started,
    )


def live_replies(
    *, business: "Business", channel: str, key: str | None, after: int | None
) -> dict[str, Any]:
    """The team's replies to the visitor behind `key` after message id `after` (without
    `after`: none, and the cursor to start from), and whether a person has the thread:
    {"replies": [...], "cursor": id, "with_person": bool}."""
    conversation = (
        conversation_for_handle(business=business, channel=channel, handle=key) if key else None
    )
    if conversation is None:
        return {"replies": [], "cursor": 0, "with_person": False}
    replies: list[dict[str, Any]] = []
    if after is None:
        cursor = thread_cursor(business=business, conversation=conversation)
    else:
        cursor = after
        for message in agent_replies_after(
            business=business, conversation=conversation, after=after
        ):
            replies.extend(message.payload.get("replies", []))
            cursor = message.pk
    return {
        "replies": replies,
        "cursor": cursor,
        "with_person": conversation.status in WITH_PERSON,
    }


def chat_ui_strings() -> dict[str, str]:
    """Every word the shared chat script (static/chat/render.js) shows besides the replies,
    translated here: the scripts hold no English of their own."""
    return {
        "send": pgettext("verb, chat button", "Send"),
        "typing": _("…"),
        "error": _("Something went wrong. Please try again."),
        "network": _("No connection. Please check your internet and try again."),
        "star": _("%(n)s of 5 stars"),
        "you": _("You"),
        "voucherCode": _("Voucher code"),
        "yourAnswer": _("Your answer"),
    }

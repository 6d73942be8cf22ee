"""Team inbox write use-cases: answer a customer, write an internal note, assign, change the
status (snooze, resolve), give a thread back to the bot, and keep canned responses.

Each one is one transaction that records an activity row and announces the change to the open
inbox pages once it commits (conversations.live). The engine and the inbox meet only in the
Conversation row: `status` says who answers (the bot answers threads in status bot/resolved),
`last_inbound_at` against `team_read_at` says whether the team has read the customer's last
message.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.conversations.choices import MessageDirection, Status
from kazan.conversations.engine import TEXT_MAX as WEB_TEXT_MAX
from kazan.conversations.live import conversation_changed
from kazan.conversations.services import (
    agent_message_add,
    thread_locked,
    thread_read_mark,
    thread_save,
)
from kazan.core.errors import NotFound, ValidationFailed
from kazan.inbox.error_codes import InboxErrorCode
from kazan.inbox.models import CANNED_TEXT_MAX, CANNED_TITLE_MAX, CannedResponse
from kazan.messaging.models import Purpose
from kazan.messaging.services import BODY_MAX_CHARACTERS, message_send
from kazan.tenancy.queries import is_member

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kazan.accounts.models import User
    from kazan.conversations.models import Conversation, ConversationMessage
    from kazan.tenancy.models import Business

WEB = "web"
# The web chats (the landing page, the website widget) answer inline: no sender, the logged
# message is the delivery (their open chat fetches it).
INLINE_CHANNELS = frozenset({WEB, "widget"})
# How long an agent's reply may be on each channel; a channel not named here is checked by its
# sender (messaging.message_send), which refuses what it cannot carry.
TEXT_MAX_BY_CHANNEL = {WEB: WEB_TEXT_MAX, "widget": WEB_TEXT_MAX, "sms": BODY_MAX_CHARACTERS}
NOTE_MAX = 4000
# What a team member may set by hand; "bot" goes through inbox_give_back.
STATUSES_SET_BY_HAND = (Status.OPEN, Status.PENDING, Status.RESOLVED, Status.SNOOZED)


def _text(
    value: str, *, limit: int, empty_message: "str | Promise", too_long_message: "str | Promise"
) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(empty_message, code=InboxErrorCode.EMPTY)
    if len(text) > limit:
        raise ValidationFailed(too_long_message % {"max": limit}, code=InboxErrorCode.TOO_LONG)
    return text


def inbox_reply(
    *, business: "Business", conversation: "Conversation", text: str, actor: "User"
) -> "ConversationMessage":
    """Sends a team member's reply to the customer's channel and logs it in the thread.

    SMS (and any channel with a sender) goes through the outbox, in this transaction: no
    credits, no message. The web chat has no sender: the logged message *is* the delivery (the
    visitor's open chat fetches it, channels.web.live). A thread with the bot or resolved is
    taken over by a person (status open), so the bot stops answering it.
    Raises ValidationFailed (empty, too long, unreachable) and messaging's errors
    (InsufficientCredits, ...).
    """
    limit = TEXT_MAX_BY_CHANNEL.get(conversation.channel, BODY_MAX_CHARACTERS)
    text = _text(
        text,
        limit=limit,
        empty_message=_("Please write a reply."),
        too_long_message=_("The reply is too long for this channel (at most %(max)d characters)."),
    )
    payload: dict[str, Any] = {"replies": [{"type": "text", "text": text}]}
    with transaction.atomic():
        current = thread_locked(business=business, conversation=conversation)
        outbound = None
        if current.channel not in INLINE_CHANNELS:
            if current.identity is None:
                raise ValidationFailed(
                    _("This conversation has no address to answer to."),
                    code=InboxErrorCode.UNREACHABLE,
                )
            outbound = message_send(
                business=business,
                channel=current.channel,
                to=current.identity.external_id,
                payload=payload,
                purpose=Purpose.TRANSACTIONAL,
                customer=current.customer,
                installation=None,
                actor=actor,
            )
        message = agent_message_add(
            business=business,
            conversation=current,
            direction=MessageDirection.OUT,
            text=text,
            author=actor,
            payload=payload,
            session=current.session,
            outbound=outbound,
        )
        now = timezone.now()
        fields: dict[str, object] = {"last_message_at": now, "team_read_at": now}
        if current.status in (Status.BOT, Status.RESOLVED):
            fields["status"] = Status.OPEN
        thread_save(current, **fields)
        activity_record(
            business=business,
            actor=actor,
            action="inbox.replied",
            target=current,
            data={"channel": current.channel, "message": message.pk},
        )
        conversation_changed(business_id=business.pk, conversation_id=current.pk, kind="message")
    return message


def inbox_note(
    *, business: "Business", conversation: "Conversation", text: str, actor: "User"
) -> "ConversationMessage":
    """An internal note in the thread: the team reads it, the customer never does (no outbox
    row, and channels.web.live shows outbound agent messages only)."""
    text = _text(
        text,
        limit=NOTE_MAX,
        empty_message=_("Please write a note."),
        too_long_message=_("The note is too long (at most %(max)d characters)."),
    )
    with transaction.atomic():
        current = thread_locked(business=business, conversation=conversation)
        note = agent_message_add(
            business=business,
            conversation=current,
            direction=MessageDirection.NOTE,
            text=text,
            author=actor,
        )
        thread_save(current)
        activity_record(
            business=business,
            actor=actor,
            action="inbox.noted",
            target=current,
            data={"message": note.pk},
        )
        conversation_changed(business_id=business.pk, conversation_id=current.pk, kind="note")
    return note


def inbox_assign(
    *,
    business: "Business",
    conversation: "Conversation",
    assignee: "User | None",
    actor: "User",
) -> "Conversation":
    """Gives the thread to a member of the business (None: nobody)."""
    if assignee is not None and not is_member(business=business, user_id=assignee.pk):
        raise ValidationFailed(_("Choose a member of your team."), code=InboxErrorCode.NOT_MEMBER)
    with transaction.atomic():
        current = thread_locked(business=business, conversation=conversation)
        if current.assignee_id == (assignee.pk if assignee else None):
            return current
        old = current.assignee_id
        thread_save(current, assignee=assignee)
        activity_record(
            business=business,
            actor=actor,
            action="inbox.assigned",
            target=current,
            data={"old": old, "new": current.assignee_id},
        )
        conversation_changed(business_id=business.pk, conversation_id=current.pk, kind="assignment")
    return current


def inbox_status_set(
    *,
    business: "Business",
    conversation: "Conversation",
    status: str,
    actor: "User",
    snoozed_until: datetime | None = None,
    now: datetime | None = None,
) -> "Conversation":
    """Open, pending (waiting for the customer), resolved, or snoozed until a later time. A
    snoozed thread needs a person again once the time has come (queries.needs_person)."""
    now = now or timezone.now()
    if status not in STATUSES_SET_BY_HAND:
        raise ValidationFailed(_("Choose a valid status."), code=InboxErrorCode.INVALID_STATUS)
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= now:
            raise ValidationFailed(
                _("Snooze until a time in the future."), code=InboxErrorCode.INVALID_TIME
            )
    else:
        snoozed_until = None
    with transaction.atomic():
        current = thread_locked(business=business, conversation=conversation)
        old = current.status
        if old == status and current.snoozed_until == snoozed_until:
            return current
        thread_save(current, status=status, snoozed_until=snoozed_until)
        activity_record(
            business=business,
            actor=actor,
            action="inbox.status_changed",
            target=current,
            data={"old": old, "new": status},
        )
        conversation_changed(business_id=business.pk, conversation_id=current.pk, kind="status")
    return current


def inbox_give_back(
    *, business: "Business", conversation: "Conversation", actor: "User"
) -> "Conversation":
    """Hands the thread back to the bot: the customer's next message runs the business's flow
    again (the engine answers threads in status bot). Nobody is assigned any more."""
    with transaction.atomic():
        current = thread_locked(business=business, conversation=conversation)
        if current.status == Status.BOT:
            return current
        old = current.status
        thread_save(current, status=Status.BOT, snoozed_until=None, assignee=None)
        activity_record(
            business=business,
            actor=actor,
            action="inbox.given_back",
            target=current,
            data={"old": old},
        )
        conversation_changed(business_id=business.pk, conversation_id=current.pk, kind="status")
    return current


def inbox_read(*, business: "Business", conversation: "Conversation") -> None:
    """A team member opened the thread: it is read up to now. A read marker, not a change of
    the thread, so no activity row and no live event."""
    thread_read_mark(business=business, conversation=conversation)


# --- canned responses ----------------------------------------------------------------------------


def _canned_fields(title: str, text: str) -> tuple[str, str]:
    title = _text(
        title,
        limit=CANNED_TITLE_MAX,
        empty_message=_("Please give the response a title."),
        too_long_message=_("The title is too long (at most %(max)d characters)."),
    )
    text = _text(
        text,
        limit=CANNED_TEXT_MAX,
        empty_message=_("Please write the response."),
        too_long_message=_("The response is too long (at most %(max)d characters)."),
    )
    return title, text


def _canned_saved(response: CannedResponse) -> None:
    try:
        with transaction.atomic():
            response.save()
    except IntegrityError:
        raise ValidationFailed(
            _("A response with this title exists already."), code=InboxErrorCode.DUPLICATE
        ) from None


def canned_response_create(
    *, business: "Business", title: str, text: str, actor: "User"
) -> CannedResponse:
    """A new canned response of the business."""
    title, text = _canned_fields(title, text)
    with transaction.atomic():
        response = CannedResponse(business=business, title=title, text=text)
        _canned_saved(response)
        activity_record(
            business=business, actor=actor, action="inbox.canned_created", target=response
        )
    return response


def canned_response_update(
    *,
    business: "Business",
    response: CannedResponse,
    title: str,
    text: str,
    actor: "User",
) -> CannedResponse:
    """Changes a canned response's title and text."""
    if response.business_id != business.pk:
        raise NotFound()
    title, text = _canned_fields(title, text)
    with transaction.atomic():
        response.title, response.text = title, text
        _canned_saved(response)
        activity_record(
            business=business, actor=actor, action="inbox.canned_updated", target=response
        )
    return response


def canned_response_delete(
    *, business: "Business", response: CannedResponse, actor: "User"
) -> None:
    """Deletes a canned response (replies sent with it stay as they were)."""
    if response.business_id != business.pk:
        raise NotFound()
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            action="inbox.canned_deleted",
            data={"title": response.title},
        )
        response.delete()

"""Handing a thread to the team: recording a session that ended in a turn, and keeping a
message past the plan's monthly messages for the team while the bot stays quiet (decision
0033: nothing is lost, the customer hears once a month that a person will answer)."""

from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.billing.queries.limits import usage_period
from kazan.conversations import engine
from kazan.conversations.live import conversation_changed
from kazan.conversations.models import (
    Conversation,
    ConversationMessage,
    ConversationSession,
    Status,
)
from kazan.core.entitlements import PlanLimitReached, Quota, quota_give_back, quota_take

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# The payload key of the bot's log row that carried the month's notice ("YYYY-MM").
QUOTA_NOTICE = "quota_notice"


def session_end_record(
    business: "Business", thread: Conversation, session: ConversationSession
) -> None:
    """Records a session that ended in this turn (its flow completed, or a person took over)."""
    completed = session.end_reason == ConversationSession.EndReason.COMPLETED
    if session.ended_at is None or session.end_reason == ConversationSession.EndReason.RESTARTED:
        return
    if not completed:
        conversation_changed(business_id=business.pk, conversation_id=thread.pk, kind="status")
        # Every hand-off on any channel passes here (the editor's preview does not).
        event_count(business=business, kind=EventKind.HANDOFF)
    activity_record(
        business=business,
        actor=None,
        actor_kind="customer",
        action="conversation.completed" if completed else "conversation.handed_off",
        target=thread,
        data={"flow": session.flow_version.flow.key if session.flow_version else ""},
    )


def message_quota_take(*, business: "Business", inbound: engine.Inbound) -> bool:
    """Counts one customer message of this month against the plan (an empty one, a page load,
    is not a message). False when the plan refuses: the month's messages are used up or the
    subscription is not active."""
    if inbound.empty:
        return True
    try:
        quota_take(business=business, key=Quota.MESSAGES)
    except PlanLimitReached:
        return False
    return True


def message_quota_give_back(
    business: "Business", inbound: engine.Inbound, *, taken: bool, kept: bool
) -> None:
    """Gives back the message counted by message_quota_take when no bot answered it after all:
    a provider's retry, a chat handle nobody is behind, a thread the team holds, a failed
    turn. Quota.MESSAGES counts the customer messages the bots answer, each once."""
    if taken and not kept and not inbound.empty:
        quota_give_back(business=business, key=Quota.MESSAGES)


def quota_handoff(
    business: "Business", thread: Conversation
) -> tuple[list[engine.Reply], dict[str, str]]:
    """Past the month's messages: the bot does not run, the thread waits for the team, and the
    customer gets the notice once a month. The replies ([] when this month's was sent) and the
    marks for the bot's log row (which month's notice it carries)."""
    session = thread.session
    if session is not None and session.ended_at is None:
        session.ended_at = timezone.now()
        session.end_reason = ConversationSession.EndReason.HANDOFF
        session.waiting = False
        session.save(update_fields=["ended_at", "end_reason", "waiting"])
        session_end_record(business, thread, session)
    elif thread.status != Status.OPEN:
        conversation_changed(business_id=business.pk, conversation_id=thread.pk, kind="status")
        event_count(business=business, kind=EventKind.HANDOFF)
        activity_record(
            business=business,
            actor=None,
            actor_kind="customer",
            action="conversation.handed_off",
            target=thread,
            data={"flow": ""},
        )
    thread.status = Status.OPEN
    period = usage_period(business=business)
    noticed = ConversationMessage.objects.filter(
        business=business, conversation=thread, **{f"payload__{QUOTA_NOTICE}": period}
    ).exists()
    if noticed:
        return [], {}
    with translation.override(thread.language or business.language):
        notice = gettext(
            "Thank you for your message. A member of our team will answer you here as soon as "
            "possible."
        )
    return [engine.reply_text(notice)], {QUOTA_NOTICE: period}

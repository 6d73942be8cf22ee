"""Conversation reads, always scoped to a business."""

from django.db.models import Prefetch, QuerySet

from kazan.conversations import engine
from kazan.conversations.models import (
    BotSettings,
    Conversation,
    ConversationMessage,
    ConversationSession,
)


def conversation_for_handle(*, business, channel: str, handle: str) -> Conversation | None:
    """The thread with the person behind a channel handle (None if they never wrote)."""
    from kazan.customers.identities import identity_index_for

    return (
        Conversation.objects.filter(
            business=business,
            identity__channel=channel,
            identity__external_index=identity_index_for(channel, handle),
        )
        .select_related("session__flow_version", "customer")
        .first()
    )


def conversation_log(*, business, conversation: Conversation) -> list[dict]:
    """The whole thread as replies again, for a channel that shows its history (a page reload):
    the customer's messages as {"type": "user"}, then what was answered (internal notes never).
    Only the last input request stays actionable, and only while the session waits on it."""
    replies: list[dict] = []
    for message in (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .exclude(direction=ConversationMessage.Direction.NOTE)
        .order_by("created_at", "id")
    ):
        if message.direction == ConversationMessage.Direction.IN:
            if message.text:
                replies.append({"type": "user", "text": message.text})
        else:
            replies.extend(message.payload.get("replies", []))
    answered = [r for r in replies if r.get("type") not in ("input", "choices")]
    session = conversation.session
    waiting = session is not None and session.running and session.waiting
    if waiting and replies and replies[-1].get("type") in ("input", "choices"):
        answered.append(replies[-1])
    return answered


def conversation_pending(*, business, conversation: Conversation) -> list[dict]:
    """The question the thread's running session waits on (empty when it waits on nothing)."""

    session = conversation.session
    if conversation.business_id != business.pk or session is None or not session.running:
        return []
    ctx = engine.Context(business, conversation, session)
    return engine.pending(ctx, session.flow_version.definition)


def conversations_for_customer(*, business, customer) -> QuerySet[Conversation]:
    """The customer's threads, newest first, with their sessions and messages."""
    return (
        Conversation.objects.filter(business=business, customer=customer)
        .prefetch_related(
            "messages",
            Prefetch(
                "sessions",
                ConversationSession.objects.select_related("flow_version__flow").order_by(
                    "started_at", "id"
                ),
            ),
        )
        .order_by("-created_at")
    )


def bot_settings_get(*, business) -> BotSettings:
    """The business's fallback chain; until it saves its own, the defaults (unsaved), which is
    what the engine runs with for it too."""
    return BotSettings.objects.filter(business=business).first() or BotSettings(business=business)

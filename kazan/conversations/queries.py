"""Conversation reads, always scoped to a business."""

from django.db.models import QuerySet

from kazan.conversations import engine
from kazan.conversations.models import Conversation, ConversationMessage


def conversation_for_key(*, business, channel: str, external_key: str) -> Conversation | None:
    return Conversation.objects.filter(
        business=business, channel=channel, external_key=external_key
    ).first()


def conversation_log(*, business, conversation: Conversation) -> list[dict]:
    """The whole conversation as replies again, for a channel that shows its history (a page
    reload): the customer's messages as {"type": "user"}, then what was answered. Only the last
    input request stays actionable; earlier ones were answered."""
    replies: list[dict] = []
    for message in ConversationMessage.objects.filter(
        business=business, conversation=conversation
    ).order_by("created_at", "id"):
        if message.direction == ConversationMessage.Direction.IN:
            replies.append({"type": "user", "text": message.text})
        else:
            replies.extend(message.payload.get("replies", []))
    answered = [r for r in replies if r.get("type") not in ("input", "choices")]
    if conversation.waiting and replies and replies[-1].get("type") in ("input", "choices"):
        answered.append(replies[-1])
    return answered


def conversation_pending(*, business, conversation: Conversation) -> list[dict]:
    """The question the conversation waits on (empty when it waits on nothing)."""
    from kazan.conversations import actions, flows  # noqa: F401 (registration)

    if conversation.business_id != business.pk:
        return []
    return engine.pending(
        engine.Context(business, conversation), engine.flow_get(conversation.flow_key)
    )


def conversations_for_customer(*, business, customer) -> QuerySet[Conversation]:
    return (
        Conversation.objects.filter(business=business, customer=customer)
        .prefetch_related("messages")
        .order_by("-created_at")
    )

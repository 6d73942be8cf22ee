"""The conversations' part of a data-subject export and erasure (customers.gdpr)."""

from kazan.conversations import services
from kazan.conversations.models import Conversation


def conversations_export(business, customer) -> list[dict]:
    return [
        {
            "channel": conversation.channel,
            "flow": conversation.flow_key,
            "language": conversation.language,
            "started_at": conversation.created_at.isoformat(),
            "completed_at": (
                conversation.completed_at.isoformat() if conversation.completed_at else None
            ),
            "messages": [
                {
                    "direction": message.direction,
                    "text": message.text,
                    "at": message.created_at.isoformat(),
                }
                for message in conversation.messages.order_by("created_at", "id")
            ],
        }
        for conversation in Conversation.objects.filter(business=business, customer=customer)
    ]


def conversations_erase(business, customer) -> None:
    services.conversations_erase(business=business, customer=customer)

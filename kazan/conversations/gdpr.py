"""The conversations' part of a data-subject export and erasure (customers.gdpr)."""

from django.db.models import Q

from kazan.conversations import services
from kazan.conversations.models import Conversation


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def conversations_export(business, customer) -> list[dict]:
    """Every thread of the customer (on any of their identities), each run of a flow in it, and
    every message, internal notes included."""
    threads = (
        Conversation.objects.filter(
            Q(customer=customer) | Q(identity__customer=customer), business=business
        )
        .distinct()
        .order_by("created_at", "pk")
        .prefetch_related("sessions__flow_version__flow", "messages")
    )
    return [
        {
            "channel": thread.channel,
            "language": thread.language,
            "status": thread.status,
            "started_at": _iso(thread.created_at),
            "sessions": [
                {
                    "id": session.pk,
                    "flow": session.flow_version.flow.key if session.flow_version else None,
                    "version": session.flow_version.number if session.flow_version else None,
                    "started_at": _iso(session.started_at),
                    "ended_at": _iso(session.ended_at),
                    "end_reason": session.end_reason,
                }
                for session in sorted(thread.sessions.all(), key=lambda s: (s.started_at, s.pk))
            ],
            "messages": [
                {
                    "direction": message.direction,
                    "author": message.author_kind,
                    "session": message.session_id,
                    "text": message.text,
                    "at": _iso(message.created_at),
                }
                for message in sorted(thread.messages.all(), key=lambda m: (m.created_at, m.pk))
            ],
        }
        for thread in threads
    ]


def conversations_erase(business, customer) -> None:
    services.conversations_erase(business=business, customer=customer)

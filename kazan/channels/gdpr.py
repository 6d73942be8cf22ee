"""The "inbound messages" GDPR section: what a customer texted to the business (the stored
provider events, found by the blind index of their number without decrypting any other)."""

import json

from kazan.channels.models import InboundEvent
from kazan.messaging.phones import to_index


def _customer_events(business, customer):
    phone = getattr(customer, "phone_e164", "")
    if not phone:
        return InboundEvent.objects.none()
    return InboundEvent.objects.filter(business=business, sender_index=to_index(phone)).order_by(
        "created_at", "id"
    )


def inbound_export(business, customer) -> list[dict]:
    rows = []
    for event in _customer_events(business, customer):
        message = json.loads(event.payload) if event.payload else {}
        rows.append(
            {
                "channel": event.channel,
                "from": message.get("sender", ""),
                "text": message.get("text", ""),
                "received_at": event.created_at.isoformat(),
            }
        )
    return rows


def inbound_erase(business, customer) -> None:
    """Runs inside the erasure's transaction: the raw events go; the conversation keeps what
    the conversations app's own erasure leaves."""
    _customer_events(business, customer).delete()

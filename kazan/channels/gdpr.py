"""The "inbound messages" GDPR section: what a customer texted to the business (the stored
provider events, found by the blind index of their number, or of their Telegram chat, without
decrypting any other) and whether they blocked the business's bot."""

import json

from kazan.channels.models import ChatBlock, InboundEvent
from kazan.customers.queries import identities_for
from kazan.messaging.phones import to_index

# Channels whose handle is not the phone: their events are indexed by the identity's handle.
HANDLE_CHANNELS = ("telegram",)


def _handles(business, customer) -> list[str]:
    handles = [customer.phone_e164] if getattr(customer, "phone_e164", "") else []
    identities = identities_for(business=business, customer=customer).filter(
        channel__in=HANDLE_CHANNELS
    )
    return handles + [identity.external_id for identity in identities]


def _customer_events(business, customer):
    indexes = [to_index(handle) for handle in _handles(business, customer)]
    if not indexes:
        return InboundEvent.objects.none()
    return InboundEvent.objects.filter(business=business, sender_index__in=indexes).order_by(
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
    """Runs inside the erasure's transaction (before the identities go): the raw events and
    the bot-blocked marks go; the conversation keeps what the conversations app's own erasure
    leaves."""
    _customer_events(business, customer).delete()
    identities = identities_for(business=business, customer=customer).filter(
        channel__in=HANDLE_CHANNELS
    )
    ChatBlock.objects.filter(
        business=business,
        channel__in=HANDLE_CHANNELS,
        external_index__in=[identity.external_index for identity in identities],
    ).delete()

"""The worker's side of an inbound WhatsApp message (channels.services.inbound_process), in
seed 002's order: the business active? (else dropped with a log: Meta got its 200) → the
customer blocked? (ignored) → the message marks the customer's service window, reaches the
conversation (conversation_receive: registration, consent and the agent are the flow's
steps) and the replies go out through the outbox on the same number.

Media is fetched before the event's row is locked (`media_prefetch`): two Graph calls and a
download, stored in the default storage under a private name (never served publicly).
"""

import logging
import mimetypes
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from kazan.channels.models import ChannelInstallation, InboundEvent
from kazan.channels.providers.base import InboundMessage
from kazan.channels.providers.whatsapp.graph import GraphClient
from kazan.channels.queries import installation_credentials
from kazan.messaging.transports import ProviderError

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.channels.whatsapp")

MEDIA_PREFIX = "private/whatsapp"


def media_prefetch(event: InboundEvent, message: InboundMessage) -> InboundMessage:
    """Downloads the message's media (if any and not yet stored) and returns the message with
    its stored name; a failure keeps the message without the file (the caption still counts)."""
    media = message.raw.get("media") if isinstance(message.raw, dict) else None
    installation = event.installation
    if not isinstance(media, dict) or media.get("stored") or installation is None:
        return message
    credentials = installation_credentials(installation)
    client = GraphClient(
        access_token=credentials.get("access_token", ""),
        phone_number_id=credentials.get("phone_number_id", ""),
    )
    try:
        content, mime_type = client.media_fetch(
            str(media.get("id") or ""), max_bytes=int(settings.WHATSAPP_MEDIA_MAX_BYTES)
        )
    except ProviderError as exc:
        logger.warning("whatsapp media of event %s not fetched: %s", event.pk, exc.code)
        return message
    extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ".bin"
    name = f"{MEDIA_PREFIX}/{installation.business_id}/{uuid.uuid4().hex}{extension}"
    stored = default_storage.save(name, ContentFile(content))
    raw = {**message.raw, "media": {**media, "stored": stored, "mime_type": mime_type}}
    return InboundMessage(
        provider_message_id=message.provider_message_id,
        sender=message.sender,
        recipient=message.recipient,
        text=message.text,
        raw=raw,
    )


def _payload(raw: dict[str, Any]) -> dict[str, Any] | None:
    media = raw.get("media")
    if isinstance(media, dict):
        return {
            "media": {
                "kind": str(media.get("kind") or ""),
                "stored": str(media.get("stored") or ""),
                "mime_type": str(media.get("mime_type") or ""),
                "caption": str(media.get("caption") or ""),
            }
        }
    payload = raw.get("payload")
    return payload if isinstance(payload, dict) else None


def whatsapp_inbound(
    *, event: InboundEvent, message: InboundMessage
) -> tuple[str, "Business | None"]:
    """One stored WhatsApp message, processed; returns (outcome, business)."""
    from kazan.conversations.engine import Inbound
    from kazan.conversations.services import conversation_receive
    from kazan.customers.queries import customer_is_blocked
    from kazan.customers.services import identity_inbound_mark

    installation: ChannelInstallation | None = event.installation
    business = event.business
    if installation is None or not installation.is_active or business is None:
        logger.info("whatsapp event %s reaches no connected number; dropped", event.pk)
        return "unrouted", None
    if not business.is_active:
        logger.info("whatsapp event %s for inactive business %s; dropped", event.pk, business.pk)
        return "inactive", business
    handle = message.sender
    if customer_is_blocked(business=business, channel="whatsapp", handle=handle):
        logger.info("whatsapp event %s from a blocked customer; ignored", event.pk)
        return "blocked", business
    raw = message.raw if isinstance(message.raw, dict) else {}
    received = conversation_receive(
        business=business,
        channel="whatsapp",
        handle=handle,
        inbound=Inbound(text=message.text, payload=_payload(raw)),
        provider_message_id=f"whatsapp:{message.provider_message_id}",
    )
    if received.duplicate:
        return "duplicate", business
    identity_inbound_mark(
        business=business,
        channel="whatsapp",
        handle=handle,
        display_name=str(raw.get("name") or ""),
    )
    if received.replies:
        from kazan.channels.services import transactional_reply

        transactional_reply(
            business=business,
            channel="whatsapp",
            to=handle,
            replies=received.replies,
            installation=installation,
            key=f"reply:whatsapp:{message.provider_message_id}",
            customer=getattr(received.conversation, "customer", None),
        )
    return "conversation", business

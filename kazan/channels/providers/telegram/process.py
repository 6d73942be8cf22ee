"""The worker's side of a stored Telegram update (channels.services.inbound_process).

Before the event's row is locked (`telegram_prefetch`, network calls hold no lock): a button
press is ALWAYS answered with answerCallbackQuery (Telegram shows a spinner until then), also
when its menu is stale or the business is gone; a document or photo is downloaded (getFile)
into the default storage under a private name, never served publicly.

Then, under the lock (`telegram_inbound`), in this order: the bot's business active? →
my_chat_member (blocked / started again) is recorded → "/start m_<token>" links a team member's
own chat and does not start the customer flow → the customer blocked by the team? (ignored) →
the customer is found or created from the Telegram user (first name, language when it is one of
ours) → the turn reaches the conversation (conversation_receive) and the replies go out through
the outbox on the same bot; a reply with "edit": true edits the menu message that was pressed.
"""

import logging
import mimetypes
import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import translation
from django.utils.translation import gettext

from kazan.channels.models import ChannelInstallation, InboundEvent
from kazan.channels.providers.base import InboundMessage
from kazan.channels.providers.telegram.botapi import BotApi
from kazan.channels.providers.telegram.members import (
    LINK_PREFIX,
    chat_block_set,
    member_link_consume,
)
from kazan.channels.providers.telegram.render import DIGEST_PREFIX
from kazan.channels.providers.telegram.sender import callback_key
from kazan.channels.queries import installation_credentials
from kazan.core.errors import KazanError
from kazan.customers.normalize import language_normalize
from kazan.messaging.transports import ProviderError

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.channels.telegram")

MEDIA_PREFIX = "private/telegram"
CHANNEL = "telegram"


def _replaced(message: InboundMessage, raw: dict[str, Any]) -> InboundMessage:
    return InboundMessage(
        provider_message_id=message.provider_message_id,
        sender=message.sender,
        recipient=message.recipient,
        text=message.text,
        raw=raw,
    )


def _language(raw: dict[str, Any], fallback: str) -> str:
    return language_normalize(str(raw.get("language") or ""), strict=False) or fallback


def _choice(data: str) -> str | None:
    """The choice value behind a button's callback_data (None: a digest no longer known)."""
    if not data.startswith(DIGEST_PREFIX):
        return data
    value = cache.get(callback_key(data))
    return str(value) if value is not None else None


def _callback_answer(api: BotApi, raw: dict[str, Any], *, stale: bool, language: str) -> None:
    params: dict[str, Any] = {"callback_query_id": raw.get("callback_id", "")}
    if stale:
        with translation.override(language):
            params["text"] = gettext("This menu has expired. Send /start to begin again.")
    try:
        api.call("answerCallbackQuery", params)
    except ProviderError as exc:  # too old (over ~15 minutes): nothing shows a spinner anymore
        logger.info("telegram answerCallbackQuery refused: %s", exc.code)


def _file_store(
    api: BotApi, installation: ChannelInstallation, media: dict[str, Any]
) -> dict[str, Any]:
    try:
        content, path = api.file_fetch(
            str(media.get("file_id") or ""), max_bytes=int(settings.TELEGRAM_MEDIA_MAX_BYTES)
        )
    except ProviderError as exc:
        logger.warning("telegram file not fetched: %s", exc.code)
        return media
    mime_type = str(media.get("mime_type") or "") or (
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )
    extension = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ".bin"
    name = f"{MEDIA_PREFIX}/{installation.business_id}/{uuid.uuid4().hex}{extension}"
    stored = default_storage.save(name, ContentFile(content))
    return {**media, "stored": stored, "mime_type": mime_type}


def telegram_prefetch(event: InboundEvent, message: InboundMessage) -> InboundMessage:
    """Answers a button press and downloads a file before the event is locked; returns the
    message with the pressed choice's value resolved and the file's stored name."""
    installation = event.installation
    raw = dict(message.raw) if isinstance(message.raw, dict) else {}
    if installation is None or raw.get("kind") not in ("callback", "media"):
        return message
    api = BotApi(installation_credentials(installation).get("bot_token", ""))
    if raw["kind"] == "callback":
        choice = _choice(str(raw.get("data") or ""))
        fallback = event.business.language if event.business else settings.LANGUAGE_CODE
        _callback_answer(api, raw, stale=choice is None, language=_language(raw, fallback))
        raw.update(choice=choice, answered=True)
        return _replaced(message, raw)
    media = raw.get("media")
    if isinstance(media, dict) and not media.get("stored") and installation.is_active:
        raw["media"] = _file_store(api, installation, media)
        return _replaced(message, raw)
    return message


def _inbound(raw: dict[str, Any], text: str) -> Any:
    """The engine's Inbound: a pressed choice, a file with its caption, or the text; the
    person's @username as evidence (`meta`: the CRM offers it, the log never keeps it)."""
    from kazan.conversations.engine import Inbound

    username = str(raw.get("username") or "")
    meta = {"username": username} if username else {}
    if raw.get("kind") == "callback":
        return Inbound(payload={"choice": str(raw.get("choice") or "")}, meta=meta)
    media = raw.get("media")
    if isinstance(media, dict):
        return Inbound(
            text=text,
            payload={
                "media": {
                    "kind": "document" if media.get("kind") == "document" else "image",
                    "stored": str(media.get("stored") or ""),
                    "mime_type": str(media.get("mime_type") or ""),
                    "caption": str(media.get("caption") or ""),
                    "filename": str(media.get("filename") or ""),
                }
            },
            meta=meta,
        )
    return Inbound(text=text, meta=meta)


def _edits(replies: list[dict[str, Any]], raw: dict[str, Any]) -> list[dict[str, Any]]:
    """Replies asking to edit the pressed menu get its message id (only after a callback)."""
    message_id = raw.get("message_id")
    if raw.get("kind") != "callback" or not isinstance(message_id, int):
        return [{key: v for key, v in reply.items() if key != "edit"} for reply in replies]
    return [
        {**reply, "edit_message_id": message_id} if reply.get("edit") else reply
        for reply in replies
    ]


def _member_link(
    *,
    business: "Business",
    installation: ChannelInstallation,
    message: InboundMessage,
    token: str,
    language: str,
) -> str:
    from kazan.channels.services import transactional_reply

    chat = member_link_consume(business=business, token=token, chat_id=message.sender)
    with translation.override(language):
        text = (
            gettext("Linked: team notices of %(business)s come to this chat.")
            if chat is not None
            else gettext("This link is not valid any more. Make a new one on the Channels page.")
        ) % {"business": business.name}
    transactional_reply(
        business=business,
        channel=CHANNEL,
        to=message.sender,
        replies=[{"type": "text", "text": text}],
        installation=installation,
        key=f"member-link:{message.provider_message_id}",
    )
    return "member_linked" if chat is not None else "member_link_invalid"


def telegram_inbound(
    *, event: InboundEvent, message: InboundMessage
) -> tuple[str, "Business | None"]:
    """One stored Telegram update, processed; returns (outcome, business)."""
    from kazan.channels.services import transactional_reply
    from kazan.conversations.services import conversation_receive
    from kazan.customers.queries import customer_is_blocked
    from kazan.customers.services import customer_for_identity, identity_inbound_mark

    installation = event.installation
    business = event.business
    if installation is None or not installation.is_active or business is None:
        logger.info("telegram event %s reaches no connected bot; dropped", event.pk)
        return "unrouted", None
    if not business.is_active:
        logger.info("telegram event %s for inactive business %s; dropped", event.pk, business.pk)
        return "inactive", business
    raw = message.raw if isinstance(message.raw, dict) else {}
    handle = message.sender
    kind = raw.get("kind")
    language = _language(raw, business.language)
    if kind == "member_status":
        blocked = raw.get("status") == "kicked"
        chat_block_set(business=business, handle=handle, blocked=blocked)
        return ("bot_blocked" if blocked else "bot_started"), business
    args = str(raw.get("args") or "")
    if kind == "command" and raw.get("command") == "start" and args.startswith(LINK_PREFIX):
        return _member_link(
            business=business,
            installation=installation,
            message=message,
            token=args.removeprefix(LINK_PREFIX),
            language=language,
        ), business
    if customer_is_blocked(business=business, channel=CHANNEL, handle=handle):
        logger.info("telegram event %s from a blocked customer; ignored", event.pk)
        return "blocked", business
    if kind == "callback" and raw.get("choice") is None:
        return "stale", business
    name = str(raw.get("name") or "")
    try:
        customer = customer_for_identity(
            business=business,
            channel=CHANNEL,
            external_id=handle,
            name=name,
            language=language_normalize(str(raw.get("language") or ""), strict=False),
        )
    except KazanError as exc:
        logger.info("telegram event %s: no customer (%s)", event.pk, exc.code)
        return "unsupported", business
    received = conversation_receive(
        business=business,
        channel=CHANNEL,
        handle=handle,
        inbound=_inbound(raw, message.text),
        provider_message_id=f"telegram:{message.provider_message_id}",
        language=customer.language or language,
    )
    if received.duplicate:
        return "duplicate", business
    identity_inbound_mark(business=business, channel=CHANNEL, handle=handle, display_name=name)
    if received.replies:
        transactional_reply(
            business=business,
            channel=CHANNEL,
            to=handle,
            replies=_edits(received.replies, raw),
            installation=installation,
            key=f"reply:telegram:{message.provider_message_id}",
            customer=customer,
        )
    return "conversation", business

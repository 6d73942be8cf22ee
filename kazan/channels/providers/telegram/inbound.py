"""Telegram updates (the Bot API's documented `Update` objects) -> normalized inbound messages.

An update carries one of: `message` (text, a command such as "/start <payload>", a document or
photo with its caption), `edited_message` (ignored: the turn was taken already),
`callback_query` (a button of an inline keyboard: its `data` is the choice's value, or "#" +
a digest of a long one, render.callback_data) or `my_chat_member` (the user blocked the bot:
"kicked", or started it again: "member"). Only private chats with a person are handled; groups
and channels the bot was added to are skipped. Everything here runs after the secret token was
checked (webhooks.py) or on what getUpdates returned (the polling command).

The message id stored (InboundEvent.provider_message_id) is "<bot id>:<update_id>": update ids
are unique per bot, so Telegram's redelivery of an update is dropped.
"""

import re
from typing import Any

from kazan.channels.providers.base import InboundMessage

CHAT_ID = re.compile(r"^-?[0-9]{1,20}$")
COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]{1,64})?(?:\s+(.*))?$", re.DOTALL)
NAME_MAX = 120
TEXT_MAX = 4096
HANDLED = ("message", "callback_query", "my_chat_member")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


USERNAME = re.compile(r"^[A-Za-z0-9_]{4,32}$")


def _person(user: dict[str, Any]) -> dict[str, str]:
    """The first name, language code and @username (when valid) of a Telegram user."""
    username = str(user.get("username") or "")
    return {
        "name": str(user.get("first_name") or "")[:NAME_MAX],
        "language": str(user.get("language_code") or "")[:8],
        "username": username if USERNAME.match(username) else "",
    }


def command_split(text: str) -> tuple[str, str] | None:
    """("start", "payload") of "/start payload" (also "/start@my_bot payload"); None otherwise."""
    found = COMMAND.match(text.strip())
    if found is None:
        return None
    return found.group(1).lower(), (found.group(2) or "").strip()


def _media(message: dict[str, Any]) -> dict[str, Any] | None:
    document = _dict(message.get("document"))
    if document.get("file_id"):
        return {
            "kind": "document",
            "file_id": str(document["file_id"]),
            "mime_type": str(document.get("mime_type") or ""),
            "filename": str(document.get("file_name") or "")[:200],
            "caption": str(message.get("caption") or "")[:TEXT_MAX],
        }
    photos = [p for p in message.get("photo") or [] if isinstance(p, dict) and p.get("file_id")]
    if photos:
        return {
            "kind": "photo",
            "file_id": str(photos[-1]["file_id"]),  # the largest size comes last
            "mime_type": "image/jpeg",
            "filename": "",
            "caption": str(message.get("caption") or "")[:TEXT_MAX],
        }
    return None


def _private(chat: dict[str, Any]) -> str:
    """The chat's id when it is a private chat with a person, else ""."""
    chat_id = str(chat.get("id") or "")
    return chat_id if chat.get("type") == "private" and CHAT_ID.match(chat_id) else ""


def _message(message: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    chat_id = _private(_dict(message.get("chat")))
    sender = _dict(message.get("from"))
    if not chat_id or sender.get("is_bot"):
        return None
    raw: dict[str, Any] = {**_person(sender), "message_id": message.get("message_id")}
    media = _media(message)
    if media is not None:
        return media["caption"], {**raw, "kind": "media", "media": media}
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        return None
    command = command_split(text)
    if command is not None:
        name_, args = command
        text = f"/{name_} {args}".strip()
        return text[:TEXT_MAX], {**raw, "kind": "command", "command": name_, "args": args[:200]}
    return text[:TEXT_MAX], {**raw, "kind": "text"}


def _callback(query: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    message = _dict(query.get("message"))
    chat_id = _private(_dict(message.get("chat")))
    sender = _dict(query.get("from"))
    query_id = str(query.get("id") or "")
    if not query_id:
        return None
    raw = {
        **_person(sender),
        "kind": "callback",
        "callback_id": query_id[:64],
        "data": str(query.get("data") or "")[:64],
        "message_id": message.get("message_id")
        if isinstance(message.get("message_id"), int)
        else None,
        "chat": chat_id,
    }
    return "", raw


def _member(update: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    chat_id = _private(_dict(update.get("chat")))
    status = str(_dict(update.get("new_chat_member")).get("status") or "")
    if not chat_id or status not in ("kicked", "member"):
        return None
    return "", {"kind": "member_status", "status": status}


def telegram_parse(update: object, *, bot_id: str) -> InboundMessage | None:
    """One verified update as an inbound message; None for what the channel does not handle
    (edited messages, group chats, service messages, unknown update kinds)."""
    data = _dict(update)
    update_id = data.get("update_id")
    # Not a bool, and within 64 bits (its text is the message id, of at most 64 characters).
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id < 2**63:
        return None
    found: tuple[str, dict[str, Any]] | None = None
    chat_id = ""
    if "message" in data:
        message = _dict(data["message"])
        found = _message(message)
        chat_id = str(_dict(message.get("chat")).get("id") or "")
    elif "callback_query" in data:
        found = _callback(_dict(data["callback_query"]))
        chat_id = str(_dict(_dict(data["callback_query"]).get("from")).get("id") or "")
        if found is not None and found[1]["chat"]:
            chat_id = found[1]["chat"]
    elif "my_chat_member" in data:
        found = _member(_dict(data["my_chat_member"]))
        chat_id = str(_dict(_dict(data["my_chat_member"]).get("chat")).get("id") or "")
    if found is None or not CHAT_ID.match(chat_id):
        return None
    text, raw = found
    return InboundMessage(
        provider_message_id=f"{bot_id}:{update_id}",
        sender=chat_id,
        recipient=bot_id,
        text=text,
        raw=raw,
    )

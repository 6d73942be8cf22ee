"""WhatsApp Cloud API webhook payloads -> normalized inbound messages and status reports.

Meta posts {"object": "whatsapp_business_account", "entry": [{"id": <WABA id>, "changes":
[{"field": "messages", "value": {"messaging_product": "whatsapp", "metadata":
{"display_phone_number", "phone_number_id"}, "contacts": [{"profile": {"name"}, "wa_id"}],
"messages": [...], "statuses": [...]}}]}]} (fixtures/*.json hold the documented examples).
One POST may carry several entries, changes, messages and statuses. Everything here runs only
after the signature was checked (webhooks.py).
"""

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from kazan.channels.providers.base import InboundMessage

MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
WA_ID = re.compile(r"^[0-9]{5,20}$")
PNID = re.compile(r"^[0-9]{1,30}$")
WAMID_MAX = 64  # InboundEvent.provider_message_id


@dataclass(frozen=True)
class StatusReport:
    wamid: str
    status: str  # sent, delivered, read, failed
    error_code: str = ""
    error_message: str = ""


@dataclass
class ChangeBatch:
    """What one `changes[]` item of one number says."""

    phone_number_id: str
    messages: list[InboundMessage] = field(default_factory=list)
    statuses: list[StatusReport] = field(default_factory=list)
    skipped: int = 0


def wamid_key(wamid: str) -> str:
    """The wamid as stored (InboundEvent and the outbox keep 64 characters): itself when it
    fits, else a digest of it."""
    if len(wamid) <= WAMID_MAX:
        return wamid
    return "sha256:" + hashlib.sha256(wamid.encode()).hexdigest()[: WAMID_MAX - 7]


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _values(body: object) -> list[dict[str, Any]]:
    values: list[dict[str, Any]] = []
    entries = body.get("entry") if isinstance(body, dict) else None
    for entry in _dicts(entries):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if isinstance(value, dict):
                values.append(value)
    return values


def _pnid(value: dict[str, Any]) -> str:
    metadata = value.get("metadata")
    found = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
    return str(found) if isinstance(found, str | int) and PNID.match(str(found)) else ""


def _text(message: dict[str, Any], kind: str) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
    """(text, payload for the engine, media) of one message; payload None: plain text."""
    content = message.get(kind)
    content = content if isinstance(content, dict) else {}
    if kind == "text":
        return str(content.get("body") or ""), None, {}
    if kind == "interactive":
        reply = content.get(str(content.get("type") or ""))
        if content.get("type") in ("button_reply", "list_reply") and isinstance(reply, dict):
            return str(reply.get("title") or ""), {"choice": str(reply.get("id") or "")}, {}
        return "", None, {}
    if kind == "button":  # a template's quick-reply button
        return str(content.get("text") or ""), {"choice": str(content.get("payload") or "")}, {}
    if kind == "order":
        items = [
            {
                "retailer_id": str(item.get("product_retailer_id") or ""),
                "quantity": _quantity(item.get("quantity")),
                "item_price": str(item.get("item_price") or ""),
                "currency": str(item.get("currency") or ""),
            }
            for item in _dicts(content.get("product_items"))
        ]
        order = {"catalog_id": str(content.get("catalog_id") or ""), "items": items}
        return str(content.get("text") or ""), {"order": order}, {}
    if kind in MEDIA_KINDS:
        media = {
            "id": str(content.get("id") or ""),
            "kind": kind,
            "mime_type": str(content.get("mime_type") or ""),
            "caption": str(content.get("caption") or ""),
            "filename": str(content.get("filename") or ""),
        }
        return media["caption"], None, media
    return "", None, {}


def _quantity(value: object) -> int:
    try:
        return max(0, int(str(value)))
    except ValueError:
        return 0


SUPPORTED = ("text", "interactive", "button", "order", *MEDIA_KINDS)


def _message(message: dict[str, Any], *, pnid: str, names: dict[str, str]) -> InboundMessage | None:
    wamid = str(message.get("id") or "")
    sender = str(message.get("from") or "")
    kind = str(message.get("type") or "")
    if not wamid or not WA_ID.match(sender) or kind not in SUPPORTED:
        return None
    text, payload, media = _text(message, kind)
    if kind == "interactive" and payload is None:
        return None
    if kind in MEDIA_KINDS and not media.get("id"):
        return None
    return InboundMessage(
        provider_message_id=wamid_key(wamid),
        sender=f"+{sender}",
        recipient=pnid,
        text=text[:4096],
        raw={
            "kind": kind,
            "payload": payload,
            "media": media or None,
            "name": names.get(sender, "")[:120],
            "phone_number_id": pnid,
        },
    )


def _status(status: dict[str, Any]) -> StatusReport | None:
    wamid, state = str(status.get("id") or ""), str(status.get("status") or "")
    if not wamid or state not in ("sent", "delivered", "read", "failed"):
        return None
    code, text = "", ""
    errors = _dicts(status.get("errors"))
    if errors:
        code = str(errors[0].get("code") or "")[:32]
        text = str(errors[0].get("title") or errors[0].get("message") or "")[:300]
    return StatusReport(wamid=wamid_key(wamid), status=state, error_code=code, error_message=text)


def whatsapp_parse(body: object) -> list[ChangeBatch]:
    """A verified webhook body -> its messages and statuses, per phone number id."""
    batches: list[ChangeBatch] = []
    for value in _values(body):
        batch = ChangeBatch(phone_number_id=_pnid(value))
        names = {}
        for contact in _dicts(value.get("contacts")):
            profile = contact.get("profile")
            if isinstance(profile, dict) and isinstance(profile.get("name"), str):
                names[str(contact.get("wa_id") or "")] = profile["name"]
        for raw in _dicts(value.get("messages")):
            parsed = _message(raw, pnid=batch.phone_number_id, names=names)
            if parsed is None:
                batch.skipped += 1
            else:
                batch.messages.append(parsed)
        for raw in _dicts(value.get("statuses")):
            report = _status(raw)
            if report is None:
                batch.skipped += 1
            else:
                batch.statuses.append(report)
        batches.append(batch)
    return batches

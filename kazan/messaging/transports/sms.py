"""What every SMS provider shares: the channel's capabilities and its renderer.

SMS shows plain text only, so the renderer turns the channel-neutral payload into one text:
options numbered ("1. Yes": the customer answers "1", which the engine takes as the first
option), links as "label: url", a voucher as its code. Twilio's limit is 1600 characters (10
concatenated parts); the outbox refuses a longer message when it is queued.
"""

from typing import Any

from kazan.messaging.transports.base import Capabilities

SMS_CAPABILITIES = Capabilities(max_text_length=1600, costs_credits=True)


def _numbered(labels: list[str]) -> list[str]:
    return [f"{index}. {label}" for index, label in enumerate(labels, start=1)]


def _reply_lines(reply: dict[str, Any]) -> list[str]:
    kind = reply.get("type", "text")
    lines: list[str] = []
    if kind == "voucher":
        title = reply.get("title") or ""
        lines.append(f"{title}: {reply.get('code', '')}".strip(": "))
        lines += [str(reply[key]) for key in ("discount", "expires_label") if reply.get(key)]
        return lines
    for key in ("title", "text", "caption"):
        if reply.get(key):
            lines.append(str(reply[key]))
    lines += _numbered([str(choice.get("label", "")) for choice in reply.get("choices", [])])
    lines += _numbered(
        [str(row.get("title") or row.get("label", "")) for row in reply.get("rows", [])]
    )
    for section in reply.get("sections", []):  # a product list, as text
        lines += [f"- {item.get('label', '')}" for item in section.get("items", [])]
    for link in reply.get("links", []):
        lines.append(f"{link.get('label', '')}: {link.get('url', '')}".strip(": "))
    if kind == "image" and reply.get("url"):
        lines.append(str(reply["url"]))
    return lines


def sms_render(payload: dict[str, Any]) -> str:
    """A channel-neutral payload as the text of one SMS (also what credits are counted on)."""
    lines: list[str] = []
    for reply in payload.get("replies", []):
        lines += _reply_lines(reply)
    return "\n".join(line for line in lines if line).strip()

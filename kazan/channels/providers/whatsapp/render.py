"""The engine's channel-neutral replies as WhatsApp Cloud API messages.

`whatsapp_render(payload)` returns a JSON list of Graph message objects (without `to` and
`messaging_product`, which the sender adds), sent in order. What WhatsApp can show natively is
used, within its limits; the rest becomes text:
- text/error/input/voucher: text messages of at most 4096 characters (a longer one is split);
- choices: ≤3 reply buttons (titles ≤20), 4–10 a list (row titles ≤24), more: numbered text;
  a text reply just before an interactive one becomes its body (one message instead of two);
- links: one link an interactive call-to-action button (cta_url), several a text with URLs;
- image: an image by link with its caption;
- product / product_list: single- and multi-product messages of the installation's catalog;
  each carries a `_fallback` text that the sender uses when no catalog id is known;
- template: a pre-approved template with its body parameters.
"""

import json
from typing import Any

from kazan.messaging.transports import Capabilities, sms_render

TEXT_MAX = 4096
BODY_MAX = 1024  # the body of an interactive message and an image caption
BUTTONS_MAX = 3
BUTTON_TITLE_MAX = 20
LIST_ROWS_MAX = 10
ROW_TITLE_MAX = 24
ROW_DESCRIPTION_MAX = 72
ID_MAX = 200
HEADER_MAX = 60
SECTIONS_MAX = 10
PRODUCTS_MAX = 30
LIST_BUTTON = "Menu"
DEFAULT_BODY = "👇"

WHATSAPP_CAPABILITIES = Capabilities(
    max_text_length=TEXT_MAX,
    buttons=True,
    max_buttons=BUTTONS_MAX,
    max_button_label=BUTTON_TITLE_MAX,
    lists=True,
    max_list_rows=LIST_ROWS_MAX,
    images=True,
    templates=True,
    read_receipts=True,
    service_window_hours=24,
)

Message = dict[str, Any]


def _text_messages(text: str) -> list[Message]:
    text = text.strip()
    chunks = [text[start : start + TEXT_MAX] for start in range(0, len(text), TEXT_MAX)]
    return [
        {
            "type": "text",
            "text": {"preview_url": "http://" in chunk or "https://" in chunk, "body": chunk},
        }
        for chunk in chunks
        if chunk
    ]


def _as_text(reply: dict[str, Any]) -> str:
    return sms_render({"replies": [reply]})


def _take_body(messages: list[Message], own_text: str) -> str:
    """The body of an interactive message: its own text, else the plain text just before it
    (removed from `messages`: one message instead of two), else a pointer."""
    if own_text.strip():
        return own_text.strip()[:BODY_MAX]
    if messages and messages[-1].get("type") == "text":
        body = str(messages[-1]["text"]["body"])
        if len(body) <= BODY_MAX:
            messages.pop()
            return body
    return DEFAULT_BODY


def _options(reply: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, title) of a choices reply's options (or a list reply's rows)."""
    found: list[tuple[str, str]] = []
    for option in reply.get("choices") or reply.get("rows") or []:
        if not isinstance(option, dict):
            continue
        label = str(option.get("label") or option.get("title") or "").strip()
        value = str(option.get("value") or option.get("id") or label).strip()
        if label or value:
            found.append((value[:ID_MAX], label or value))
    return found


def _interactive(body: str, kind: str, action: dict[str, Any], **extra: Any) -> Message:
    return {
        "type": "interactive",
        "interactive": {"type": kind, **extra, "body": {"text": body}, "action": action},
    }


def _choices(reply: dict[str, Any], messages: list[Message]) -> None:
    options = _options(reply)
    if not options or len(options) > LIST_ROWS_MAX:
        messages.extend(_text_messages(_as_text(reply)))
        return
    body = _take_body(messages, str(reply.get("text") or ""))
    if len(options) <= BUTTONS_MAX:
        buttons = [
            {"type": "reply", "reply": {"id": value, "title": label[:BUTTON_TITLE_MAX]}}
            for value, label in options
        ]
        messages.append(_interactive(body, "button", {"buttons": buttons}))
        return
    rows = []
    for value, label in options:
        row = {"id": value, "title": label[:ROW_TITLE_MAX]}
        if len(label) > ROW_TITLE_MAX:
            row["description"] = label[ROW_TITLE_MAX:][:ROW_DESCRIPTION_MAX]
        rows.append(row)
    button = str(reply.get("button") or LIST_BUTTON)[:BUTTON_TITLE_MAX]
    messages.append(_interactive(body, "list", {"button": button, "sections": [{"rows": rows}]}))


def _links(reply: dict[str, Any], messages: list[Message]) -> None:
    links = [
        link for link in reply.get("links") or [] if isinstance(link, dict) and link.get("url")
    ]
    if len(links) != 1:
        messages.extend(_text_messages(_as_text(reply)))
        return
    link = links[0]
    label = str(link.get("label") or "").strip() or str(link["url"])
    body = _take_body(messages, str(reply.get("text") or label))
    action = {
        "name": "cta_url",
        "parameters": {"display_text": label[:BUTTON_TITLE_MAX], "url": str(link["url"])},
    }
    messages.append(_interactive(body, "cta_url", action))


def _image(reply: dict[str, Any], messages: list[Message]) -> None:
    url = str(reply.get("url") or "")
    if not url.startswith("https://") and not url.startswith("http://"):
        messages.extend(_text_messages(_as_text(reply)))
        return
    image: dict[str, str] = {"link": url}
    caption = str(reply.get("caption") or reply.get("alt") or "").strip()
    if caption:
        image["caption"] = caption[:BODY_MAX]
    messages.append({"type": "image", "image": image})


def _product(reply: dict[str, Any], messages: list[Message]) -> None:
    fallback = _text_messages(_as_text(reply))
    retailer_id = str(reply.get("retailer_id") or "")
    if not retailer_id:
        messages.extend(fallback)
        return
    message = _interactive(
        str(reply.get("text") or DEFAULT_BODY)[:BODY_MAX],
        "product",
        {"catalog_id": str(reply.get("catalog_id") or ""), "product_retailer_id": retailer_id},
    )
    message["_fallback"] = fallback
    messages.append(message)


def _product_list(reply: dict[str, Any], messages: list[Message]) -> None:
    fallback = _text_messages(_as_text(reply))
    sections, count = [], 0
    for section in (reply.get("sections") or [])[:SECTIONS_MAX]:
        items = []
        for item in section.get("items") or [] if isinstance(section, dict) else []:
            if isinstance(item, dict) and item.get("retailer_id") and count < PRODUCTS_MAX:
                items.append({"product_retailer_id": str(item["retailer_id"])})
                count += 1
        if items:
            title = str(section.get("title") or "").strip() or "·"
            sections.append({"title": title[:ROW_TITLE_MAX], "product_items": items})
    if not sections:
        messages.extend(fallback)
        return
    message = _interactive(
        str(reply.get("text") or DEFAULT_BODY)[:BODY_MAX],
        "product_list",
        {"catalog_id": str(reply.get("catalog_id") or ""), "sections": sections},
        header={"type": "text", "text": str(reply.get("header") or "·")[:HEADER_MAX]},
    )
    message["_fallback"] = fallback
    messages.append(message)


def _template(reply: dict[str, Any], messages: list[Message]) -> None:
    template: dict[str, Any] = {
        "name": str(reply.get("name") or ""),
        "language": {"code": str(reply.get("language") or "en")},
    }
    params = [str(param) for param in reply.get("params") or []]
    if params:
        template["components"] = [
            {"type": "body", "parameters": [{"type": "text", "text": p} for p in params]}
        ]
    messages.append({"type": "template", "template": template})


_RENDERERS = {
    "choices": _choices,
    "list": _choices,
    "links": _links,
    "image": _image,
    "product": _product,
    "product_list": _product_list,
    "template": _template,
}


def whatsapp_messages(payload: dict[str, Any]) -> list[Message]:
    """The payload's replies as Graph message objects, in order."""
    messages: list[Message] = []
    for reply in payload.get("replies") or []:
        if not isinstance(reply, dict):
            continue
        renderer = _RENDERERS.get(str(reply.get("type") or "text"))
        if renderer is not None:
            renderer(reply, messages)
        else:
            messages.extend(_text_messages(_as_text(reply)))
    return messages


def whatsapp_render(payload: dict[str, Any]) -> str:
    """What the sender sends (a JSON list of messages): the outbox passes it as the body."""
    return json.dumps(whatsapp_messages(payload), ensure_ascii=False)

"""The engine's channel-neutral replies as Telegram Bot API calls.

`telegram_render(payload)` returns a JSON list of calls `{"method": …, <parameters>}` without
`chat_id` (the sender adds it), sent in order:
- input: a question's commands (Skip, Back) as an inline keyboard under the question;
- text/error/voucher…: `sendMessage`, at most 4096 characters each: a longer text is split
  on line breaks, else on spaces, else hard;
- choices/list: `sendMessage` with an inline keyboard (one button per row); a plain text just
  before it becomes its text (one message instead of two). `callback_data` is at most 64 bytes:
  a longer value travels as "#" + a digest of it, and the sender keeps digest → value in the
  shared cache (`_callbacks`) so the callback finds the value again (inbound.py);
- links: `sendMessage` with URL buttons; image: `sendPhoto` (caption ≤ 1024);
- document: `sendDocument` of a file in the default storage (`_file`, uploaded by the sender);
- a reply with `"edit": true` and the menu message's id (`edit_message_id`, set by process.py
  when the turn came from a button of that message) edits it (`editMessageText`) instead of
  sending a new message.
Other reply kinds (products, templates) become text through the SMS renderer's wording.
"""

import base64
import hashlib
import json
from typing import Any

from kazan.messaging.transports import Capabilities, sms_render

TEXT_MAX = 4096
CAPTION_MAX = 1024
CALLBACK_DATA_MAX = 64
BUTTON_TEXT_MAX = 64
BUTTONS_MAX = 100
DIGEST_PREFIX = "#"
DEFAULT_TEXT = "👇"
# Longer texts are split; the outbox refuses a payload longer than this many characters.
MESSAGES_MAX = 8

TELEGRAM_CAPABILITIES = Capabilities(
    max_text_length=TEXT_MAX * MESSAGES_MAX,
    buttons=True,
    max_buttons=BUTTONS_MAX,
    max_button_label=BUTTON_TEXT_MAX,
    lists=True,
    max_list_rows=BUTTONS_MAX,
    images=True,
    typing=True,
)

Call = dict[str, Any]


def utf16_cut(text: str, limit: int) -> str:
    """The longest start of `text` of at most `limit` UTF-16 code units (Telegram counts its
    limits in those: an emoji outside the BMP is two)."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def text_split(text: str, limit: int = TEXT_MAX) -> list[str]:
    """`text` in pieces of at most `limit` UTF-16 code units (as Telegram counts), cut at the
    last line break (else space) of each piece when there is one in its second half."""
    pieces: list[str] = []
    rest = text.strip()
    while True:
        window = utf16_cut(rest, limit)
        if len(window) == len(rest):
            break
        size = len(window)
        cut = window.rfind("\n")
        if cut < size // 2:
            cut = window.rfind(" ")
        if cut < size // 2:
            cut = size
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def callback_data(value: str) -> str:
    """The button's `callback_data` for a choice value: itself when it fits in 64 bytes (and
    does not look like a digest), else "#" + a URL-safe SHA-256 digest (44 bytes)."""
    if len(value.encode()) <= CALLBACK_DATA_MAX and not value.startswith(DIGEST_PREFIX):
        return value
    digest = base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).decode()
    return DIGEST_PREFIX + digest.rstrip("=")


def _texts(text: str) -> list[Call]:
    return [{"method": "sendMessage", "text": piece} for piece in text_split(text)]


def _as_text(reply: dict[str, Any]) -> str:
    return sms_render({"replies": [reply]})


def _take_text(calls: list[Call], own: str) -> str:
    """The text of a message with buttons: its own, else the plain text just before it (that
    message is removed: one message instead of two), else a pointer."""
    if own.strip():
        return utf16_cut(own.strip(), TEXT_MAX)
    if calls and calls[-1]["method"] == "sendMessage" and "reply_markup" not in calls[-1]:
        return str(calls.pop()["text"])
    return DEFAULT_TEXT


def _options(reply: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for option in reply.get("choices") or reply.get("rows") or []:
        if not isinstance(option, dict):
            continue
        label = str(option.get("label") or option.get("title") or "").strip()
        value = str(option.get("value") or option.get("id") or label).strip()
        if label or value:
            found.append((value, label or value))
    return found


def _choices(reply: dict[str, Any], calls: list[Call]) -> None:
    options = _options(reply)[:BUTTONS_MAX]
    if not options:
        calls.extend(_texts(_as_text(reply)))
        return
    text = _take_text(calls, str(reply.get("text") or ""))
    keyboard, digests = [], {}
    for value, label in options:
        data = callback_data(value)
        if data != value:
            digests[data] = value
        keyboard.append([{"text": label[:BUTTON_TEXT_MAX], "callback_data": data}])
    call: Call = {
        "method": "sendMessage",
        "text": text,
        "reply_markup": {"inline_keyboard": keyboard},
    }
    if digests:
        call["_callbacks"] = digests
    calls.append(call)


def _input(reply: dict[str, Any], calls: list[Call]) -> None:
    """A question's own commands (Skip, Back) as buttons under it: on Telegram they are pressed,
    not typed (the engine takes a command's value as the callback's choice)."""
    commands = [c for c in reply.get("commands") or [] if isinstance(c, dict) and c.get("value")]
    if not commands:
        calls.extend(_texts(_as_text(reply)))
        return
    _choices({"text": _as_text(reply), "choices": commands}, calls)


def _web_url(url: str) -> bool:
    return url.startswith(("https://", "http://"))


def _links(reply: dict[str, Any], calls: list[Call]) -> None:
    links = [
        link
        for link in reply.get("links") or []
        if isinstance(link, dict) and _web_url(str(link.get("url") or ""))
    ][:BUTTONS_MAX]
    if not links:
        calls.extend(_texts(_as_text(reply)))
        return
    first = str(links[0].get("label") or "").strip()
    text = _take_text(calls, str(reply.get("text") or first))
    keyboard = [
        [
            {
                "text": (str(link.get("label") or "").strip() or "🔗")[:BUTTON_TEXT_MAX],
                "url": link["url"],
            }
        ]
        for link in links
    ]
    calls.append(
        {"method": "sendMessage", "text": text, "reply_markup": {"inline_keyboard": keyboard}}
    )


def _image(reply: dict[str, Any], calls: list[Call]) -> None:
    url = str(reply.get("url") or "")
    if not _web_url(url):
        calls.extend(_texts(_as_text(reply)))
        return
    call: Call = {"method": "sendPhoto", "photo": url}
    caption = str(reply.get("caption") or reply.get("alt") or "").strip()
    if caption:
        call["caption"] = utf16_cut(caption, CAPTION_MAX)
    calls.append(call)


def _document(reply: dict[str, Any], calls: list[Call]) -> None:
    path = str(reply.get("storage_path") or "")
    if not path:
        calls.extend(_texts(_as_text(reply)))
        return
    call: Call = {
        "method": "sendDocument",
        "_file": path,
        "_filename": str(reply.get("filename") or path.rsplit("/", 1)[-1])[:200],
    }
    caption = str(reply.get("caption") or "").strip()
    if caption:
        call["caption"] = utf16_cut(caption, CAPTION_MAX)
    calls.append(call)


_RENDERERS = {
    "choices": _choices,
    "input": _input,
    "list": _choices,
    "links": _links,
    "image": _image,
    "document": _document,
}


def _edit(call: Call, message_id: int) -> Call:
    """The first message of an "edit" reply replaces the pressed menu message."""
    if call["method"] != "sendMessage":
        return call
    return {**call, "method": "editMessageText", "message_id": message_id}


def telegram_calls(payload: dict[str, Any]) -> list[Call]:
    """The payload's replies as Bot API calls, in order."""
    calls: list[Call] = []
    for reply in payload.get("replies") or []:
        if not isinstance(reply, dict):
            continue
        start = len(calls)
        before = calls[-1] if calls else None
        renderer = _RENDERERS.get(str(reply.get("type") or "text"))
        if renderer is not None:
            renderer(reply, calls)
        else:
            calls.extend(_texts(_as_text(reply)))
        # The buttons' message may have taken in the text just before it (that call is gone
        # and the buttons' call stands in its place).
        taken = start > 0 and len(calls) >= start and calls[start - 1] is not before
        index = start - 1 if taken else start
        message_id = reply.get("edit_message_id")
        if (
            reply.get("edit")
            and isinstance(message_id, int)
            and index < len(calls)
            and (not taken or index == 0)
        ):
            calls[index] = _edit(calls[index], message_id)
    return calls


def telegram_render(payload: dict[str, Any]) -> str:
    """What the sender sends (a JSON list of calls): the outbox passes it as the body."""
    return json.dumps(telegram_calls(payload), ensure_ascii=False)

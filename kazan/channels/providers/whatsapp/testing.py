"""Test helpers for everyone who drives the WhatsApp channel (issue 12's helpers too).

- `FakeGraphApi`: a real local HTTP server speaking the WhatsApp Cloud API's wire format:
  POST /<v>/<phone-number-id>/messages (checks the bearer token and the message's shape within
  WhatsApp's limits; answers {"messaging_product", "contacts", "messages": [{"id": "wamid…"}]}
  and records each request's JSON in `.sent`), GET /<v>/<phone-number-id> (the connection
  test), GET /<v>/<media-id> and the media download. `fail_next(code)` answers Meta's error
  shape ({"error": {"message", "type", "code", "error_data", "fbtrace_id"}}) instead.
- The pytest fixture `fake_graph` (the fake, with settings.WHATSAPP_GRAPH_URL pointed at it).
- `whatsapp_connected(business, graph)`: a connected installation at the fake.
- `whatsapp_post(client, payload, app_secret=…, installation=…)`: a webhook POST signed like
  Meta signs it, to the installation's own callback URL (`whatsapp_hook_path(installation)`;
  without `installation`, the active one of the payload's phone number id).
- Payload builders in the documented webhook shape: `wa_text`, `wa_button_reply`,
  `wa_list_reply`, `wa_order`, `wa_image` (and `wa_media`), `wa_status`; `wa_fixture(name)`
  loads fixtures/<name>.json (Meta's documented examples).
"""

import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.inbound import whatsapp_parse
from kazan.channels.providers.whatsapp.webhooks import whatsapp_hook_path
from kazan.core.tests.fake_server import LocalFakeServer

PHONE_NUMBER_ID = "106540352242922"  # as in Meta's documented webhook examples
WABA_ID = "102290129340398"
DISPLAY_NUMBER = "+34612345678"
ACCESS_TOKEN = "EAAGfakeTOKEN0123456789abcdefghijklmnop"  # noqa: S105 (the fake's)
APP_SECRET = "0123456789abcdef0123456789abcdef"  # noqa: S105
VERIFY_TOKEN = "kazan-verify-123"  # noqa: S105
CATALOG_ID = "194836987003835"
CUSTOMER_WA_ID = "16505551234"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_LIMITS = {"button": 20, "row": 24, "body": 1024, "text": 4096}


def wa_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def graph_error(code: int, message: str = "", *, details: str = "") -> dict[str, Any]:
    return {
        "error": {
            "message": message or f"(#{code}) error",
            "type": "OAuthException",
            "code": code,
            "error_data": {"messaging_product": "whatsapp", "details": details or message},
            "fbtrace_id": "A" + secrets.token_hex(8),
        }
    }


@dataclass
class FakeGraphApi(LocalFakeServer):
    access_token: str = ACCESS_TOKEN
    phone_number_id: str = PHONE_NUMBER_ID
    sent: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)
    media: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    failures: list[tuple[int, int, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0

    def fail_next(self, code: int, *, status: int = 400, times: int = 1, message: str = "") -> None:
        """The next `times` message sends answer Meta's error `code` with HTTP `status`."""
        self.failures.extend([(status, code, message)] * times)

    def media_add(self, media_id: str, content: bytes, mime_type: str) -> None:
        self.media[media_id] = (content, mime_type)

    def _invalid(self, message: dict[str, Any]) -> str:
        """What WhatsApp would refuse in the message's shape ("" when it is fine)."""
        kind = message.get("type")
        if message.get("messaging_product") != "whatsapp" or not message.get("to"):
            return "messaging_product and to are required"
        if kind == "text":
            body = (message.get("text") or {}).get("body") or ""
            return "" if 0 < len(body) <= _LIMITS["text"] else "text.body length"
        if kind == "interactive":
            interactive = message.get("interactive") or {}
            body = (interactive.get("body") or {}).get("text") or ""
            if not 0 < len(body) <= _LIMITS["body"]:
                return "interactive.body.text length"
            action = interactive.get("action") or {}
            if interactive.get("type") == "button":
                buttons = action.get("buttons") or []
                if not 1 <= len(buttons) <= 3 or any(
                    len(b["reply"]["title"]) > _LIMITS["button"] for b in buttons
                ):
                    return "buttons"
            if interactive.get("type") == "list":
                rows = [row for section in action["sections"] for row in section["rows"]]
                if not 1 <= len(rows) <= 10 or any(len(r["title"]) > _LIMITS["row"] for r in rows):
                    return "list rows"
                if len(action.get("button") or "") > _LIMITS["button"]:
                    return "list button"
            if interactive.get("type") in ("product", "product_list") and not action.get(
                "catalog_id"
            ):
                return "catalog_id"
            return ""
        if kind == "image":
            return "" if (message.get("image") or {}).get("link") else "image.link"
        if kind == "template":
            template = message.get("template") or {}
            return "" if template.get("name") and template.get("language") else "template"
        return f"unsupported type {kind}"

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any, str]:
        with self._lock:
            self.requests.append((method, path))
        authorized = headers.get("Authorization", "") == f"Bearer {self.access_token}"
        if path.startswith("/download/"):
            found = self.media.get(path.removeprefix("/download/"))
            if not authorized or found is None:
                return 404, b"", "text/plain"
            return 200, found[0], found[1]
        if not authorized:
            return 401, graph_error(190, "Invalid OAuth access token."), ""
        parts = path.strip("/").split("/")
        if len(parts) == 3 and parts[2] == "messages" and method == "POST":
            if parts[1] != self.phone_number_id:
                return 400, graph_error(100, "Invalid parameter", details="phone number id"), ""
            message = json.loads(body or b"{}")
            with self._lock:
                self.sent.append(message)
                failure = self.failures.pop(0) if self.failures else None
                self._count += 1
                number = self._count
            if failure is not None:
                return failure[0], graph_error(failure[1], failure[2]), ""
            problem = self._invalid(message)
            if problem:
                return 400, graph_error(100, "Invalid parameter", details=problem), ""
            return (
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": message["to"], "wa_id": message["to"]}],
                    "messages": [{"id": f"wamid.FAKE{number:08d}{secrets.token_hex(8)}"}],
                },
                "",
            )
        if len(parts) == 2 and method == "GET":
            if parts[1] == self.phone_number_id:
                return (
                    200,
                    {
                        "verified_name": "Sicilia Shop",
                        "display_phone_number": "+1 555-078-3881",
                        "id": self.phone_number_id,
                        "quality_rating": "GREEN",
                    },
                    "",
                )
            if parts[1] in self.media:
                content, mime_type = self.media[parts[1]]
                return (
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{self.url}/download/{parts[1]}",
                        "mime_type": mime_type,
                        "sha256": hashlib.sha256(content).hexdigest(),
                        "file_size": str(len(content)),
                        "id": parts[1],
                    },
                    "",
                )
        return 400, graph_error(100, "Unsupported request"), ""

    class handler(BaseHTTPRequestHandler):
        fake: "FakeGraphApi"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload, content_type = self.fake.handle(
                method, self.path.split("?")[0], self.headers, body
            )
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")


@pytest.fixture
def fake_graph(settings: Any) -> Iterator[FakeGraphApi]:
    """The fake Graph API, with the channel pointed at it."""
    with FakeGraphApi() as fake:
        settings.WHATSAPP_GRAPH_URL = fake.url
        yield fake


def whatsapp_fields(**overrides: str) -> dict[str, str]:
    """What a business types into the WhatsApp connect form."""
    return {
        "provider": "whatsapp",
        "label": "WhatsApp shop",
        "phone_number_id": PHONE_NUMBER_ID,
        "waba_id": WABA_ID,
        "display_phone_number": DISPLAY_NUMBER,
        "access_token": ACCESS_TOKEN,
        "app_secret": APP_SECRET,
        "verify_token": VERIFY_TOKEN,
        "catalog_id": CATALOG_ID,
        "template_order_update": "order_update",
        "template_order_shipped": "order_shipped",
        "template_cart_reminder": "",
        "template_language": "es",
        **overrides,
    }


def whatsapp_connected(business: Any, graph: FakeGraphApi | None = None, **overrides: str) -> Any:
    """Connects the business's WhatsApp number at the fake (`graph`: its number id is used);
    its callback URL is `whatsapp_hook_path(installation)`."""
    from kazan.channels.services import installation_connect

    if graph is not None:
        overrides.setdefault("phone_number_id", graph.phone_number_id)
        overrides.setdefault("access_token", graph.access_token)
    return installation_connect(
        business=business, actor=None, provider="whatsapp", fields=whatsapp_fields(**overrides)
    )


def sign(body: bytes, app_secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def _installation_named(body: bytes) -> ChannelInstallation | None:
    """The test side's guess of whose URL Meta would call: the active installation of the
    body's first phone number id (PHONE_NUMBER_ID when the body names none)."""
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    numbers = [batch.phone_number_id for batch in whatsapp_parse(data) if batch.phone_number_id]
    return (
        ChannelInstallation.objects.filter(
            provider="whatsapp",
            status=ChannelInstallation.Status.ACTIVE,
            config__phone_number_id=numbers[0] if numbers else PHONE_NUMBER_ID,
        )
        .order_by("-id")
        .first()
    )


def whatsapp_post(
    client: Any,
    payload: Any,
    *,
    app_secret: str = APP_SECRET,
    signature: str | None = None,
    installation: ChannelInstallation | None = None,
) -> Any:
    """POSTs `payload` (a dict or raw bytes) to `installation`'s callback URL, signed with
    `app_secret` (or with the given `signature` header; "" sends none). Without `installation`,
    the active installation of the payload's phone number id; with none, an unknown URL."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    header = sign(body, app_secret) if signature is None else signature
    headers = {"X-Hub-Signature-256": header} if header else {}
    target = installation or _installation_named(body)
    path = whatsapp_hook_path(target) if target is not None else ""
    path = path or reverse("hooks:whatsapp", args=["unknown" + secrets.token_urlsafe(18)])
    return client.post(path, data=body, content_type="application/json", headers=headers)


# --- payload builders (the documented webhook shape) --------------------------------------------


def wa_envelope(
    *,
    messages: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
    phone_number_id: str = PHONE_NUMBER_ID,
    wa_id: str = CUSTOMER_WA_ID,
    name: str = "Sheena Nelson",
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": name}, "wa_id": wa_id}]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": WABA_ID, "changes": [{"value": value, "field": "messages"}]}],
    }


def _wamid() -> str:
    return "wamid.HBgLMTY1MDUwNzY1MjAVAgASGBQz" + secrets.token_hex(8).upper()


def _message(
    kind: str, content: dict[str, Any], *, wa_id: str, wamid: str | None
) -> dict[str, Any]:
    return {
        "from": wa_id,
        "id": wamid or _wamid(),
        "timestamp": "1749416383",
        "type": kind,
        kind: content,
    }


def wa_text(
    text: str, *, wa_id: str = CUSTOMER_WA_ID, wamid: str | None = None, **envelope: Any
) -> dict[str, Any]:
    message = _message("text", {"body": text}, wa_id=wa_id, wamid=wamid)
    return wa_envelope(messages=[message], wa_id=wa_id, **envelope)


def wa_button_reply(
    reply_id: str, title: str, *, wa_id: str = CUSTOMER_WA_ID, wamid: str | None = None, **kw: Any
) -> dict[str, Any]:
    content = {"type": "button_reply", "button_reply": {"id": reply_id, "title": title}}
    return wa_envelope(
        messages=[_message("interactive", content, wa_id=wa_id, wamid=wamid)], wa_id=wa_id, **kw
    )


def wa_list_reply(
    reply_id: str, title: str, *, wa_id: str = CUSTOMER_WA_ID, wamid: str | None = None, **kw: Any
) -> dict[str, Any]:
    content = {
        "type": "list_reply",
        "list_reply": {"id": reply_id, "title": title, "description": ""},
    }
    return wa_envelope(
        messages=[_message("interactive", content, wa_id=wa_id, wamid=wamid)], wa_id=wa_id, **kw
    )


def wa_order(
    items: list[tuple[str, int, str, str]],
    *,
    catalog_id: str = CATALOG_ID,
    text: str = "",
    wa_id: str = CUSTOMER_WA_ID,
    wamid: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    """`items`: (retailer id, quantity, item price, currency)."""
    content: dict[str, Any] = {
        "catalog_id": catalog_id,
        "product_items": [
            {"product_retailer_id": rid, "quantity": qty, "item_price": price, "currency": cur}
            for rid, qty, price, cur in items
        ],
    }
    if text:
        content["text"] = text
    return wa_envelope(
        messages=[_message("order", content, wa_id=wa_id, wamid=wamid)], wa_id=wa_id, **kw
    )


def wa_media(
    kind: str,
    media_id: str,
    *,
    mime_type: str = "image/jpeg",
    caption: str = "",
    wa_id: str = CUSTOMER_WA_ID,
    wamid: str | None = None,
    **kw: Any,
) -> dict[str, Any]:
    content: dict[str, Any] = {"mime_type": mime_type, "sha256": "x", "id": media_id}
    if caption:
        content["caption"] = caption
    return wa_envelope(
        messages=[_message(kind, content, wa_id=wa_id, wamid=wamid)], wa_id=wa_id, **kw
    )


def wa_image(media_id: str, *, caption: str = "", **kw: Any) -> dict[str, Any]:
    return wa_media("image", media_id, caption=caption, **kw)


def wa_status(
    wamid: str,
    status: str,
    *,
    error_code: int | None = None,
    recipient: str = CUSTOMER_WA_ID,
    **kw: Any,
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": wamid,
        "status": status,
        "timestamp": "1750263773",
        "recipient_id": recipient,
    }
    if error_code is not None:
        report["errors"] = [
            {
                "code": error_code,
                "title": "Message undeliverable",
                "message": "Message undeliverable",
                "error_data": {"details": "Message Undeliverable."},
            }
        ]
    return wa_envelope(statuses=[report], **kw)

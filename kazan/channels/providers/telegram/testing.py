"""Test helpers for everyone who drives the Telegram channel (bot, broadcast, e2e helpers too).

- `FakeBotApi`: a real local HTTP server speaking the Bot API's wire format: POST
  /bot<token>/<method> with JSON or multipart form data, answering {"ok": true, "result": …} or
  the documented error shape {"ok": false, "error_code", "description", "parameters"}. It knows
  getMe, setWebhook, deleteWebhook, getWebhookInfo, setMyCommands, getUpdates, sendMessage,
  editMessageText, sendPhoto, sendDocument, answerCallbackQuery and getFile (+ the file
  download at /file/bot<token>/<path>), checks Telegram's limits (4096-character texts, 1024
  for captions, callback_data ≤ 64 bytes) and records every call in `.calls` as
  (method, params). `fail_next(429, retry_after=5)` / `fail_next(403)` answer errors;
  `block(chat_id)` makes sends to that chat a 403 "bot was blocked by the user";
  `updates_add(update)` queues updates for getUpdates; `file_add(file_id, content)` a file.
- The pytest fixture `fake_bot_api` (root conftest.py: the fake, settings pointed at it).
- `telegram_connected(business, api)`: a bot connected at the fake (getMe, setWebhook and
  setMyCommands answered there); `telegram_installed(business)` writes one without any call;
  `telegram_post(client, installation, update)` posts an update to the installation's webhook
  with its secret token (or the given `secret`).
- Update builders in the documented shape: `update_message`, `update_command`,
  `update_callback`, `update_document`, `update_edited`, `update_member_status`;
  `tg_fixture(name)` loads fixtures/<name>.json (Telegram's documented objects).
"""

import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from django.urls import reverse

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.telegram.webhooks import SECRET_HEADER, telegram_hook_path
from kazan.channels.queries import installation_credentials
from kazan.core.tests.fake_server import LocalFakeServer

BOT_ID = 7012345678
BOT_TOKEN = f"{BOT_ID}:AAHfakeTokenForTests0123456789abcdEF"
BOT_USERNAME = "cafe_a_bot"
USER_ID = 111222333
FIXTURES = Path(__file__).resolve().parent / "fixtures"
_update_ids = itertools.count(500_000_000)
_message_ids = itertools.count(1000)


def tg_fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / f"{name}.json").read_text())
    return data


def bot_error(code: int, description: str, *, retry_after: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return body


_DESCRIPTIONS = {
    400: "Bad Request: chat not found",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after 5",
    500: "Internal Server Error",
}
SENDS = ("sendMessage", "editMessageText", "sendPhoto", "sendDocument")


def _multipart(content_type: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields, files {name: (filename, bytes)}) of a multipart/form-data body."""
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for part in message.iter_parts():
        name = str(part.get_param("name", header="content-disposition") or "")
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        if part.get_filename():
            files[name] = (part.get_filename(), content)
        else:
            text = content.decode()
            try:
                fields[name] = json.loads(text) if text[:1] in "[{" else text
            except ValueError:
                fields[name] = text
    return fields, files


@dataclass
class FakeBotApi(LocalFakeServer):
    token: str = BOT_TOKEN
    username: str = BOT_USERNAME
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    uploads: list[tuple[str, bytes]] = field(default_factory=list)
    failures: list[tuple[int, int | None, str]] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":", 1)[0])

    # --- what a test arranges and reads --------------------------------------------------------

    def fail_next(
        self,
        code: int,
        *,
        retry_after: int | None = None,
        times: int = 1,
        description: str = "",
    ) -> None:
        """The next `times` sends (sendMessage, editMessageText, sendPhoto, sendDocument)
        answer the documented error `code` (429 with `retry_after` seconds), with
        `description` when given."""
        self.failures.extend([(code, retry_after, description)] * times)

    def block(self, chat_id: int | str) -> None:
        self.blocked.add(str(chat_id))

    def updates_add(self, *updates: dict[str, Any]) -> None:
        self.updates.extend(updates)

    def file_add(self, file_id: str, content: bytes, *, path: str = "") -> None:
        self.files[file_id] = (path or f"documents/file_{len(self.files)}.pdf", content)

    def called(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of `method`, in order."""
        return [params for name, params in self.calls if name == method]

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Every message sent or edited (the params), in order."""
        return [params for name, params in self.calls if name in SENDS]

    # --- the Bot API ---------------------------------------------------------------------------

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        result: dict[str, Any] = {
            "message_id": params.get("message_id") or next(_message_ids),
            "from": {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Café A",
                "username": self.username,
            },
            "chat": {
                "id": int(str(chat_id)) if str(chat_id).lstrip("-").isdigit() else chat_id,
                "type": "private",
            },
            "date": 1733400000,
        }
        if "text" in params:
            result["text"] = params["text"]
        return result

    def _invalid(self, method: str, params: dict[str, Any]) -> str:
        """What Telegram would refuse ("" when fine), in its description's words."""
        if method in SENDS and not params.get("chat_id"):
            return "Bad Request: chat_id is empty"
        if method in ("sendMessage", "editMessageText"):
            text = params.get("text") or ""
            if not text:
                return "Bad Request: message text is empty"
            if len(text.encode("utf-16-le")) // 2 > 4096:  # Telegram counts UTF-16 units
                return "Bad Request: message is too long"
        if method == "editMessageText" and not params.get("message_id"):
            return "Bad Request: message identifier is not specified"
        if len(str(params.get("caption") or "").encode("utf-16-le")) // 2 > 1024:
            return "Bad Request: message caption is too long"
        markup = params.get("reply_markup") or {}
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    return "Bad Request: BUTTON_DATA_INVALID"
                if data is None and not button.get("url"):
                    return "Bad Request: can't parse inline keyboard button"
        return ""

    def handle(self, path: str, content_type: str, body: bytes) -> tuple[int, Any]:
        if path.startswith("/file/bot"):
            token, _sep, file_path = path.removeprefix("/file/bot").partition("/")
            for stored_path, content in self.files.values():
                if token == self.token and stored_path == file_path:
                    return 200, content
            return 404, bot_error(404, "Not Found")
        token, _sep, method = path.removeprefix("/bot").partition("/")
        if token != self.token:
            return 401, bot_error(401, "Unauthorized")
        if content_type.startswith("multipart/form-data"):
            params, files = _multipart(content_type, body)
        else:
            params, files = (json.loads(body) if body else {}), {}
        with self._lock:
            self.calls.append((method, params))
            for name, (filename, content) in files.items():
                self.uploads.append((filename, content))
                params[name] = {"filename": filename, "size": len(content)}
            failure = self.failures.pop(0) if method in SENDS and self.failures else None
        if failure is not None:
            code, retry_after, description = failure
            description = description or _DESCRIPTIONS.get(code, "Error")
            return code, bot_error(code, description, retry_after=retry_after)
        if method in SENDS and str(params.get("chat_id")) in self.blocked:
            return 403, bot_error(403, _DESCRIPTIONS[403])
        problem = self._invalid(method, params)
        if problem:
            return 400, bot_error(400, problem)
        return self._result(method, params)

    def _result(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        ok: Any
        if method == "getMe":
            ok = {
                "id": self.bot_id,
                "is_bot": True,
                "first_name": "Café A",
                "username": self.username,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        elif method == "setWebhook":
            self.webhook = dict(params)
            ok = True
        elif method == "deleteWebhook":
            self.webhook = {}
            ok = True
        elif method == "getWebhookInfo":
            ok = {
                "url": self.webhook.get("url", ""),
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        elif method in ("setMyCommands", "answerCallbackQuery"):
            ok = True
        elif method == "getUpdates":
            if self.webhook.get("url"):
                return 409, bot_error(
                    409, "Conflict: can't use getUpdates method while webhook is active"
                )
            offset = int(params.get("offset") or 0)
            with self._lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
                ok = list(self.updates[: int(params.get("limit") or 100)])
        elif method == "getFile":
            found = self.files.get(str(params.get("file_id") or ""))
            if found is None:
                return 400, bot_error(400, "Bad Request: invalid file_id")
            ok = {
                "file_id": params["file_id"],
                "file_unique_id": "AgADfake",
                "file_size": len(found[1]),
                "file_path": found[0],
            }
        elif method in SENDS:
            ok = self._message(params)
        else:
            return 404, bot_error(404, "Not Found: method not found")
        return 200, {"ok": True, "result": ok}

    class handler(BaseHTTPRequestHandler):
        fake: "FakeBotApi"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload = self.fake.handle(
                self.path.split("?")[0], self.headers.get("Content-Type", ""), body
            )
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type",
                "application/octet-stream" if isinstance(payload, bytes) else "application/json",
            )
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()


def telegram_fields(**overrides: str) -> dict[str, str]:
    """What a business types into the Telegram connect form ("Use the Telegram CRM" ticked)."""
    return {
        "provider": "telegram",
        "label": "Café A bot",
        "bot_token": BOT_TOKEN,
        "use_crm": "on",
        **overrides,
    }


def telegram_connected(business: Any, api: FakeBotApi | None = None, **overrides: str) -> Any:
    """Connects a bot for the business at the fake (`api`: its token); the webhook URL is
    `telegram_hook_path(installation)`, its secret `telegram_secret(installation)`."""
    from kazan.channels.services import installation_connect

    if api is not None:
        overrides.setdefault("bot_token", api.token)
    return installation_connect(
        business=business, actor=None, provider="telegram", fields=telegram_fields(**overrides)
    )


def telegram_installed(
    business: Any, *, token: str = BOT_TOKEN, hook_key: str = "", label: str = "Telegram bot"
) -> ChannelInstallation:
    """A connected bot written straight to the table, without any Bot API call (for test
    worlds that run without the fake; `hook_key` may be chosen to share a route parameter)."""
    from kazan.channels.queries import address_index

    bot_id = token.split(":", 1)[0]
    return ChannelInstallation.objects.create(
        business=business,
        channel="telegram",
        provider="telegram",
        label=label,
        credentials=json.dumps({"bot_token": token, "secret_token": secrets.token_urlsafe(32)}),
        config={
            "bot_id": bot_id,
            "hook_key": hook_key or secrets.token_urlsafe(18),
            "use_crm": False,
            "bot_username": f"bot{bot_id}",
        },
        address_index=address_index(bot_id),
    )


def telegram_secret(installation: ChannelInstallation) -> str:
    return installation_credentials(installation).get("secret_token", "")


def telegram_post(
    client: Any,
    installation: ChannelInstallation | str | None,
    update: Any,
    secret: str | None = None,
) -> Any:
    """POSTs `update` (a dict or raw bytes) to the installation's webhook (or the given hook
    path) with its secret token (or `secret`; "" sends none)."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    if isinstance(installation, ChannelInstallation):
        path = telegram_hook_path(installation)
        secret = telegram_secret(installation) if secret is None else secret
    else:
        path = installation or reverse(
            "hooks:telegram", args=["unknown" + secrets.token_urlsafe(18)]
        )
    headers = {SECRET_HEADER: secret} if secret else {}
    return client.post(path, data=body, content_type="application/json", headers=headers)


# --- update builders (the documented Update shape) -----------------------------------------------


def tg_user(
    user_id: int = USER_ID, *, first_name: str = "Ada", language_code: str = "en"
) -> dict[str, Any]:
    user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code:
        user["language_code"] = language_code
    return user


def tg_private_chat(user_id: int = USER_ID, first_name: str = "Ada") -> dict[str, Any]:
    return {"id": user_id, "first_name": first_name, "type": "private"}


def _update(kind: str, content: dict[str, Any], update_id: int | None) -> dict[str, Any]:
    return {"update_id": next(_update_ids) if update_id is None else update_id, kind: content}


def tg_message(
    *, user_id: int = USER_ID, first_name: str = "Ada", language_code: str = "en", **content: Any
) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "from": tg_user(user_id, first_name=first_name, language_code=language_code),
        "chat": tg_private_chat(user_id, first_name),
        "date": 1733400000,
        **content,
    }


def update_message(text: str, *, update_id: int | None = None, **person: Any) -> dict[str, Any]:
    """A text message in the bot's private chat with the user."""
    return _update("message", tg_message(text=text, **person), update_id)


def update_command(
    command: str, payload: str = "", *, update_id: int | None = None, **person: Any
) -> dict[str, Any]:
    """ "/<command> [payload]" with its bot_command entity (as Telegram sends /start deep links)."""
    text = f"/{command.lstrip('/')}" + (f" {payload}" if payload else "")
    entity = {"offset": 0, "length": len(command.lstrip("/")) + 1, "type": "bot_command"}
    return _update("message", tg_message(text=text, entities=[entity], **person), update_id)


def update_callback(
    data: str,
    *,
    message_id: int = 77,
    update_id: int | None = None,
    query_id: str | None = None,
    user_id: int = USER_ID,
    first_name: str = "Ada",
    language_code: str = "en",
) -> dict[str, Any]:
    """A press of an inline keyboard button of the bot's message `message_id`."""
    user = tg_user(user_id, first_name=first_name, language_code=language_code)
    message = {
        "message_id": message_id,
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "Café A", "username": BOT_USERNAME},
        "chat": tg_private_chat(user_id, first_name),
        "date": 1733400000,
        "text": "Choose",
    }
    query = {
        "id": query_id or str(next(_update_ids) * 10),
        "from": user,
        "message": message,
        "chat_instance": "-1234567890123456789",
        "data": data,
    }
    return _update("callback_query", query, update_id)


def update_document(
    file_id: str,
    *,
    file_name: str = "invoice.pdf",
    mime_type: str = "application/pdf",
    caption: str = "",
    file_size: int = 1024,
    update_id: int | None = None,
    **person: Any,
) -> dict[str, Any]:
    document = {
        "file_name": file_name,
        "mime_type": mime_type,
        "file_id": file_id,
        "file_unique_id": "AgAD" + file_id[-6:],
        "file_size": file_size,
    }
    content: dict[str, Any] = {"document": document}
    if caption:
        content["caption"] = caption
    return _update("message", tg_message(**content, **person), update_id)


def update_edited(text: str, *, update_id: int | None = None, **person: Any) -> dict[str, Any]:
    message = tg_message(text=text, edit_date=1733400100, **person)
    return _update("edited_message", message, update_id)


def update_member_status(
    status: str, *, user_id: int = USER_ID, update_id: int | None = None
) -> dict[str, Any]:
    """my_chat_member: the user blocked the bot ("kicked") or started it again ("member")."""
    bot = {"id": BOT_ID, "is_bot": True, "first_name": "Café A", "username": BOT_USERNAME}
    old = "member" if status == "kicked" else "kicked"
    content = {
        "chat": tg_private_chat(user_id),
        "from": tg_user(user_id),
        "date": 1733400000,
        "old_chat_member": {"user": bot, "status": old},
        "new_chat_member": {
            "user": bot,
            "status": status,
            **({"until_date": 0} if status == "kicked" else {}),
        },
    }
    return _update("my_chat_member", content, update_id)

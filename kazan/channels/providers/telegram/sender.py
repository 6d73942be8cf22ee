"""Sending one outbox message through a business's Telegram bot.

The renderer turns a payload into Bot API calls (render.py); they are sent in order, and a retry
resends only the calls Telegram has not accepted (providers/parts.py). Before each call the
sender takes a slot of Telegram's flood limits, shared by every worker through
kazan.core.ratelimit (Redis when configured, the database otherwise): at most
TELEGRAM_MESSAGES_PER_SECOND per bot and TELEGRAM_CHAT_MESSAGES_PER_SECOND per chat (averaged
over a few seconds: a reply's parts go out together). It waits
up to TELEGRAM_THROUGHPUT_WAIT_SECONDS for a slot, then hands the message back to the outbox as
a transient "throughput" error. Telegram's own 429 carries `retry_after`: the outbox retries no
earlier (botapi.error_classify). A 403 (the user blocked the bot) fails the message with code
"blocked", which broadcasts count.
"""

import hashlib
import json
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.storage import default_storage

from kazan.channels.providers.parts import parts_send
from kazan.channels.providers.telegram.botapi import NOT_EDITABLE, NOT_MODIFIED, BotApi
from kazan.channels.providers.telegram.render import TEXT_MAX, utf16_cut
from kazan.core.ratelimit import ratelimit_wait
from kazan.messaging.transports import (
    PermanentProviderError,
    SmsRequest,
    SmsResult,
    TransientProviderError,
)

THROUGHPUT_CODE = "throughput"
CALLBACK_SECONDS = 90 * 24 * 3600  # a long value behind a button: as long as a menu may be pressed
PRIVATE_PREFIX = "private/"


def callback_key(data: str) -> str:
    return f"tg-cb:{data}"


def flood_wait(*, bot_id: str, chat_id: str, max_wait: float | None = None) -> None:
    """Takes one send slot of the bot (TELEGRAM_MESSAGES_PER_SECOND, one-second windows) and one
    of the chat (TELEGRAM_CHAT_MESSAGES_PER_SECOND on average over TELEGRAM_CHAT_WINDOW_SECONDS,
    so a reply of a few parts is not held back); raises TransientProviderError when either
    stays full for about `max_wait` seconds."""
    wait = float(settings.TELEGRAM_THROUGHPUT_WAIT_SECONDS) if max_wait is None else max_wait
    window = max(1, int(settings.TELEGRAM_CHAT_WINDOW_SECONDS))
    limits = (
        (f"telegram-bot:{bot_id}", int(settings.TELEGRAM_MESSAGES_PER_SECOND), 1),
        (
            f"telegram-chat:{bot_id}:{chat_id}",
            int(settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND) * window,
            window,
        ),
    )
    for key, limit, seconds in limits:
        if limit > 0 and not ratelimit_wait(
            key, limit=limit, max_wait=wait, window_seconds=seconds
        ):
            raise TransientProviderError(
                "Telegram's flood limit is reached; trying again shortly.",
                code=THROUGHPUT_CODE,
                retry_after=1.0,
            )


class TelegramSender:
    key = "telegram"

    def __init__(self, *, token: str) -> None:
        self.bot_id = token.split(":", 1)[0]
        self.api = BotApi(token)

    def _file(self, path: str, filename: str) -> tuple[str, bytes, str]:
        """A document from the default storage (private files only; never a path from outside)."""
        if not path.startswith(PRIVATE_PREFIX) or ".." in path or not default_storage.exists(path):
            raise PermanentProviderError("The document is not available.", code="no_file")
        with default_storage.open(path, "rb") as handle:
            return filename or path.rsplit("/", 1)[-1], handle.read(), "application/octet-stream"

    def _send(self, chat_id: str, call: dict[str, Any]) -> str:
        params = {key: value for key, value in call.items() if not key.startswith("_")}
        method = str(params.pop("method"))
        for data, value in (call.get("_callbacks") or {}).items():
            cache.set(callback_key(data), value, CALLBACK_SECONDS)
        files = None
        if method == "sendDocument":
            files = {
                "document": self._file(str(call.get("_file") or ""), call.get("_filename", ""))
            }
        flood_wait(bot_id=self.bot_id, chat_id=chat_id)
        try:
            result = self.api.call(method, {"chat_id": chat_id, **params}, files=files)
        except PermanentProviderError as exc:
            if method == "editMessageText" and NOT_MODIFIED in exc.message:
                return f"{chat_id}:{call.get('message_id') or ''}"
            if method == "editMessageText" and any(text in exc.message for text in NOT_EDITABLE):
                params.pop("message_id", None)
                result = self.api.call("sendMessage", {"chat_id": chat_id, **params})
            else:
                raise
        message_id = result.get("message_id") if isinstance(result, dict) else None
        return f"{chat_id}:{message_id}" if message_id is not None else str(chat_id)

    def send(self, request: SmsRequest) -> SmsResult:
        try:
            calls = json.loads(request.body)
        except ValueError:
            calls = None
        if not isinstance(calls, list):  # a row queued with a plain body
            calls = [{"method": "sendMessage", "text": utf16_cut(request.body, TEXT_MAX)}]
        chat_id = request.to
        last = parts_send(
            prefix="tg-part",
            idempotency_key=request.idempotency_key,
            parts=calls,
            send=lambda call: self._send(chat_id, call),
        )
        if calls and isinstance(calls[-1], dict) and calls[-1].get("method") == "editMessageText":
            # An edit keeps the menu's message id, which an earlier row already holds: the
            # row's own key tells the two apart (provider ids are unique per provider).
            own = request.idempotency_key or uuid.uuid4().hex
            last = f"{last[:40]}:e{hashlib.sha256(own.encode()).hexdigest()[:12]}"
        return SmsResult(provider_message_id=last[:64], status="sent")

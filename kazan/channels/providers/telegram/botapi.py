"""The Telegram Bot API over HTTP (`requests`, pinned; decision 0026): the calls the channel makes.

Every method is `POST {TELEGRAM_API_URL}<token>/<method>` with a JSON object (or multipart form
data for an uploaded file) and answers `{"ok": true, "result": …}` or
`{"ok": false, "error_code": <int>, "description": "…", "parameters": {"retry_after": <s>}}`.
Files are downloaded from `{TELEGRAM_FILE_URL}<token>/<file_path>` after `getFile`. Both base
URLs come from settings, so tests point them at the local fake (testing.FakeBotApi).

Errors map onto the outbox's split (`error_classify`): 429 → transient, honouring
`retry_after`; 403 (the user blocked the bot, deactivated, kicked) → permanent with
code "blocked"; other 4xx → permanent; 5xx and network failures → transient.
"""

import json
import logging
from typing import Any

import requests
from django.conf import settings

from kazan.core.logging import redact
from kazan.messaging.transports import (
    PermanentProviderError,
    ProviderError,
    TransientProviderError,
)

logger = logging.getLogger("kazan.telegram.botapi")

BLOCKED_CODE = "blocked"
NETWORK_CODE = "network"
NOT_MODIFIED = "message is not modified"
# An edit Telegram refuses for good (the message is too old, or gone): sent as a new message.
NOT_EDITABLE = ("message can't be edited", "message to edit not found")


def error_classify(*, status: int, body: object) -> ProviderError:
    """A Bot API error answer -> TransientProviderError (retry later, at `retry_after` when
    Telegram names it) or PermanentProviderError ("blocked" for a 403)."""
    data = body if isinstance(body, dict) else {}
    code = data.get("error_code")
    code = code if isinstance(code, int) else status
    text = redact(str(data.get("description") or f"HTTP {status}"))[:300]
    parameters = data.get("parameters")
    retry_after = parameters.get("retry_after") if isinstance(parameters, dict) else None
    if code == 429:
        delay = float(retry_after) if isinstance(retry_after, int | float) else None
        return TransientProviderError(text, code="429", retry_after=delay)
    if code == 403:
        return PermanentProviderError(text, code=BLOCKED_CODE)
    if 400 <= code < 500:
        return PermanentProviderError(text, code=str(code))
    return TransientProviderError(text, code=str(code))


class BotApi:
    """One bot's access to the Bot API (its token)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.base = f"{settings.TELEGRAM_API_URL}{token}"
        self.timeout = float(settings.TELEGRAM_TIMEOUT_SECONDS)

    def call(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Calls `method`; returns its `result`. Raises a ProviderError (never leaks the token:
        the URL is not logged)."""
        url = f"{self.base}/{method}"
        try:
            if files:
                data = {
                    key: value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    for key, value in (params or {}).items()
                }
                response = requests.post(
                    url, data=data, files=files, timeout=timeout or self.timeout
                )
            else:
                response = requests.post(url, json=params or {}, timeout=timeout or self.timeout)
        except requests.RequestException as exc:
            logger.warning("telegram %s unreachable: %s", method, type(exc).__name__)
            raise TransientProviderError(
                f"Telegram unreachable: {type(exc).__name__}", code=NETWORK_CODE
            ) from None  # the exception's text holds the URL, which holds the bot's token
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or not isinstance(body, dict) or not body.get("ok"):
            error = error_classify(status=response.status_code, body=body)
            logger.warning(
                "telegram %s refused status=%s code=%s", method, response.status_code, error.code
            )
            raise error
        return body.get("result")

    def me(self) -> dict[str, Any]:
        """getMe: the bot's id, username and name (the connection test)."""
        result = self.call("getMe")
        if not isinstance(result, dict) or not result.get("is_bot"):
            raise PermanentProviderError("This token does not belong to a bot.", code="not_a_bot")
        return result

    def file_fetch(self, file_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """An inbound file's bytes and its path at Telegram (getFile, then the download)."""
        info = self.call("getFile", {"file_id": file_id})
        path = info.get("file_path") if isinstance(info, dict) else None
        size = info.get("file_size") if isinstance(info, dict) else None
        if not isinstance(path, str) or not path or ".." in path:
            raise PermanentProviderError("The file has no download path.", code="no_file")
        if isinstance(size, int) and size > max_bytes:
            raise PermanentProviderError("The file is too large.", code="size")
        try:
            with requests.get(
                f"{settings.TELEGRAM_FILE_URL}{self.token}/{path}",
                timeout=self.timeout,
                stream=True,
            ) as response:
                if response.status_code >= 400:
                    raise error_classify(status=response.status_code, body=None)
                chunks: list[bytes] = []
                total = 0
                for chunk in response.iter_content(64 * 1024):
                    total += len(chunk)
                    if total > max_bytes:
                        raise PermanentProviderError("The file is too large.", code="size")
                    chunks.append(chunk)
        except requests.RequestException as exc:
            raise TransientProviderError(
                f"Telegram file unreachable: {type(exc).__name__}", code=NETWORK_CODE
            ) from None  # the exception's text holds the URL, which holds the bot's token
        return b"".join(chunks), path

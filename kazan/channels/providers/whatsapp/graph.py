"""The WhatsApp Cloud API over HTTP (`requests`, pinned): the few Graph calls the channel makes.

- POST /<version>/<phone-number-id>/messages: one message; answers {"messaging_product",
  "contacts": [...], "messages": [{"id": "wamid…"}]}.
- GET /<version>/<phone-number-id>: the connection test (the number's display name/quality).
- GET /<version>/<media-id>: an inbound media's short-lived URL, then GET that URL with the
  same bearer token for the bytes.

Errors come as {"error": {"message", "type", "code", "error_subcode", "error_data", …}}; the code
decides retry-later or permanent failure (error_classify). Base URL and version come from
settings (WHATSAPP_GRAPH_URL, WHATSAPP_API_VERSION) so tests point them at a local fake.
"""

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

logger = logging.getLogger("kazan.whatsapp.graph")

# Meta's codes that a later retry can fix: throughput and pair rate limits, temporary errors,
# the app's or account's call rate (4, 80007, 130429, 131056), service unavailable (131016).
TRANSIENT_CODES = frozenset(
    {1, 2, 4, 17, 341, 80007, 130429, 131000, 131001, 131002, 131004, 131016, 131056, 133004}
)
# Codes no retry can fix: the 24-hour window (131047), undeliverable (131026), invalid
# parameter (100), expired or invalid token (190), unsupported type (131051), missing
# parameter (131008), template problems (132000-132016), permissions (10, 200), recipient not
# a WhatsApp user / blocked (131030, 131031), spam rate (131048), bad media (131052, 131053).
PERMANENT_CODES = frozenset(
    {
        3,
        10,
        100,
        190,
        200,
        131005,
        131008,
        131009,
        131021,
        131026,
        131030,
        131031,
        131042,
        131045,
        131047,
        131048,
        131049,
        131050,
        131051,
        131052,
        131053,
        132000,
        132001,
        132005,
        132007,
        132012,
        132015,
        132016,
        133010,
    }
)
NETWORK_CODE = "network"
NO_ID_CODE = "no_id"


def error_classify(*, status: int, body: object) -> ProviderError:
    """A Graph error answer -> TransientProviderError (retry later) or PermanentProviderError,
    carrying Meta's error code (or the HTTP status when the body has none)."""
    error = body.get("error") if isinstance(body, dict) else None
    code: int | None = None
    text = f"HTTP {status}"
    if isinstance(error, dict):
        raw_code = error.get("code")
        code = raw_code if isinstance(raw_code, int) else _int(raw_code)
        text = str(error.get("message") or error.get("title") or text)
        details = error.get("error_data")
        if isinstance(details, dict) and details.get("details"):
            text = f"{text}: {details['details']}"
    safe = redact(text)[:300]
    code_text = str(code if code is not None else status)
    if code in TRANSIENT_CODES:
        return TransientProviderError(safe, code=code_text)
    if code in PERMANENT_CODES:
        return PermanentProviderError(safe, code=code_text)
    if status in (408, 429) or status >= 500:
        return TransientProviderError(safe, code=code_text)
    if 400 <= status < 500:
        return PermanentProviderError(safe, code=code_text)
    return TransientProviderError(safe, code=code_text)


def _int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


class GraphClient:
    """One business's access to the Graph API: its token and phone number id."""

    def __init__(self, *, access_token: str, phone_number_id: str) -> None:
        self.access_token = access_token
        self.phone_number_id = phone_number_id
        self.base = f"{settings.WHATSAPP_GRAPH_URL.rstrip('/')}/{settings.WHATSAPP_API_VERSION}"
        self.timeout = float(settings.WHATSAPP_TIMEOUT_SECONDS)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}

    def _call(self, method: str, url: str, *, json: dict[str, Any] | None = None) -> Any:
        try:
            response = requests.request(
                method, url, json=json, headers=self._headers(), timeout=self.timeout
            )
        except requests.RequestException as exc:
            logger.warning("whatsapp graph unreachable: %s", type(exc).__name__)
            raise TransientProviderError(
                f"WhatsApp unreachable: {type(exc).__name__}", code=NETWORK_CODE
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400 or (isinstance(body, dict) and "error" in body):
            error = error_classify(status=response.status_code, body=body)
            logger.warning(
                "whatsapp graph %s refused status=%s code=%s",
                method,
                response.status_code,
                error.code,
            )
            raise error
        return body

    def message_send(self, message: dict[str, Any]) -> str:
        """Sends one message (the Graph JSON without `messaging_product`); returns its wamid."""
        body = self._call(
            "POST",
            f"{self.base}/{self.phone_number_id}/messages",
            json={"messaging_product": "whatsapp", **message},
        )
        messages = body.get("messages") if isinstance(body, dict) else None
        if not isinstance(messages, list) or not messages or not isinstance(messages[0], dict):
            raise TransientProviderError("WhatsApp answered without a message id", code=NO_ID_CODE)
        wamid = str(messages[0].get("id") or "")
        if not wamid:
            raise TransientProviderError("WhatsApp answered without a message id", code=NO_ID_CODE)
        return wamid

    def phone_check(self) -> dict[str, Any]:
        """The connection test: the phone number as the Graph API describes it."""
        body = self._call("GET", f"{self.base}/{self.phone_number_id}")
        return body if isinstance(body, dict) else {}

    def media_fetch(self, media_id: str, *, max_bytes: int) -> tuple[bytes, str]:
        """An inbound media's bytes and MIME type (URL lookup, then the download)."""
        info = self._call("GET", f"{self.base}/{media_id}")
        url = info.get("url") if isinstance(info, dict) else None
        # The token travels with the download: over https only, unless the Graph API itself is
        # a plain-http local fake (tests, development).
        schemes = ("https://", "http://") if self.base.startswith("http://") else ("https://",)
        if not isinstance(url, str) or not url.startswith(schemes):
            raise PermanentProviderError("The media has no download URL.", code=NO_ID_CODE)
        try:
            with requests.get(
                url, headers=self._headers(), timeout=self.timeout, stream=True
            ) as response:
                if response.status_code >= 400:
                    raise error_classify(status=response.status_code, body=None)
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_content(64 * 1024):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PermanentProviderError("The media file is too large.", code="size")
                    chunks.append(chunk)
        except requests.RequestException as exc:
            raise TransientProviderError(
                f"WhatsApp media unreachable: {type(exc).__name__}", code=NETWORK_CODE
            ) from exc
        return b"".join(chunks), str(info.get("mime_type") or "application/octet-stream")

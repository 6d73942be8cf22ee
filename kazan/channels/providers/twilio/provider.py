"""Twilio Programmable Messaging through the official SDK (`twilio.rest.Client`).

Two things the SDK does not offer as arguments are added through its documented extension
point, a custom HTTP client (`Client(http_client=...)`):
- a configurable base URL (TWILIO_BASE_URL): a local fake in tests, another edge in production;
- the `I-Twilio-Idempotency-Token` header, so a re-send after a crash (same token) is answered
  with the first message instead of sending a second SMS.
"""

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from kazan.channels.error_codes import ChannelsErrorCode
from kazan.core.logging import redact
from kazan.messaging.transports import (
    PermanentProviderError,
    ProviderError,
    SmsRequest,
    SmsResult,
    TransientProviderError,
)

logger = logging.getLogger("kazan.sms.twilio")
# The SDK logs every request's URL and headers at INFO; keep that out of the JSON logs.
_sdk_logger = logging.getLogger("kazan.sms.twilio.http")
_sdk_logger.setLevel(logging.WARNING)

IDEMPOTENCY_HEADER = "I-Twilio-Idempotency-Token"
DEFAULT_TIMEOUT_SECONDS = 15.0

# Twilio error codes that no retry can fix (https://www.twilio.com/docs/api/errors).
PERMANENT_CODES = frozenset(
    {
        21211,  # invalid 'To' number
        21214,  # 'To' number cannot be reached
        21408,  # permission to send to this region not enabled
        21602,  # body required
        21604,  # 'To' required
        21606,  # 'From' is not a valid message-capable number
        21610,  # recipient unsubscribed (replied STOP)
        21612,  # 'To' not reachable from this 'From'
        21614,  # 'To' is not a mobile number
        21617,  # body too long
        30004,  # message blocked
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)
# Codes that mean "this account cannot send right now": a credentials or configuration problem an
# operator fixes, so the messages wait (and retry with backoff) instead of failing at once.
TRANSIENT_CODES = frozenset({20003, 20429, 20500, 20503, 30001})

_idempotency_token: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "twilio_idempotency_token", default=None
)


def _rebase(url: str, base_url: str) -> str:
    parts, base = urlsplit(url), urlsplit(base_url)
    return urlunsplit(
        (base.scheme, base.netloc, base.path.rstrip("/") + parts.path, parts.query, "")
    )


class KazanTwilioHttpClient(TwilioHttpClient):
    """The SDK's requests-based client, pointed at `base_url` and adding the idempotency token."""

    def __init__(self, *, base_url: str = "", timeout: float = DEFAULT_TIMEOUT_SECONDS) -> None:
        super().__init__(timeout=timeout, logger=_sdk_logger)
        self.base_url = base_url.rstrip("/")

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        if self.base_url:
            url = _rebase(url, self.base_url)
        token = _idempotency_token.get()
        if token and method.upper() == "POST":
            headers = {**(headers or {}), IDEMPOTENCY_HEADER: token}
        return super().request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout,
            allow_redirects=allow_redirects,
        )


def error_classify(*, status: int, code: int | None, text: str) -> ProviderError:
    """Twilio's answer -> transient (retry) or permanent (fail and refund)."""
    safe_text = redact(text)[:300]  # Twilio's messages quote the number
    code_text = str(code or status)
    if code in PERMANENT_CODES:
        return PermanentProviderError(safe_text, code=code_text)
    if code in TRANSIENT_CODES or status in (401, 408, 429) or status >= 500:
        return TransientProviderError(safe_text, code=code_text)
    if 400 <= status < 500:
        return PermanentProviderError(safe_text, code=code_text)
    return TransientProviderError(safe_text, code=code_text)


class TwilioSmsProvider:
    key = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        base_url: str = "",
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not account_sid or not auth_token:
            raise ImproperlyConfigured("Twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
        if not from_number and not messaging_service_sid:
            raise ImproperlyConfigured(
                "Twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID."
            )
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.client = Client(
            account_sid,
            auth_token,
            http_client=KazanTwilioHttpClient(base_url=base_url, timeout=timeout),
        )

    @classmethod
    def from_credentials(cls, credentials: dict[str, str] | None) -> "TwilioSmsProvider":
        """A business's installation (its credentials), or the platform's account (None)."""
        if credentials is None:
            credentials = {
                "account_sid": settings.TWILIO_ACCOUNT_SID,
                "auth_token": settings.TWILIO_AUTH_TOKEN,
                "from_number": settings.TWILIO_FROM_NUMBER,
                "messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID,
            }
        return cls(
            account_sid=credentials.get("account_sid", ""),
            auth_token=credentials.get("auth_token", ""),
            from_number=credentials.get("from_number", ""),
            messaging_service_sid=credentials.get("messaging_service_sid", ""),
            base_url=settings.TWILIO_BASE_URL,
        )

    def account_check(self) -> None:
        """Asks Twilio whether these credentials work (fetches the account) and, when a sender
        number is set, whether the number belongs to the account. Raises ProviderError."""
        with _twilio_errors("check"):
            self.client.api.v2010.accounts(self.client.account_sid).fetch()
            if self.from_number and not self.client.incoming_phone_numbers.list(
                phone_number=self.from_number, limit=1
            ):
                raise PermanentProviderError(
                    "The number is not an incoming number of this account.", code="21606"
                )

    def send(self, request: SmsRequest) -> SmsResult:
        params: dict[str, str] = {"to": request.to, "body": request.body}
        if request.from_:
            params["from_"] = request.from_
        elif self.messaging_service_sid:
            params["messaging_service_sid"] = self.messaging_service_sid
        else:
            params["from_"] = self.from_number
        if request.status_callback_url:
            params["status_callback"] = request.status_callback_url
        token = _idempotency_token.set(request.idempotency_key)
        try:
            with _twilio_errors("send"):
                message = self.client.messages.create(**params)
        finally:
            _idempotency_token.reset(token)
        if not message.sid:
            raise TransientProviderError(
                "Twilio answered without a message sid", code=ChannelsErrorCode.NO_SID
            )
        return SmsResult(provider_message_id=message.sid, status=str(message.status or "queued"))


@contextlib.contextmanager
def _twilio_errors(what: str) -> Iterator[None]:
    """The SDK's exceptions -> our transient/permanent split, logged without the number."""
    try:
        yield
    except TwilioRestException as exc:
        error = error_classify(status=exc.status, code=_int(exc.code), text=str(exc.msg))
        logger.warning("twilio %s refused status=%s code=%s", what, exc.status, error.code)
        raise error from exc
    except TwilioServiceException as exc:
        error = error_classify(status=exc.status, code=_int(exc.code), text=exc.title)
        logger.warning("twilio %s refused status=%s code=%s", what, exc.status, error.code)
        raise error from exc
    except requests.RequestException as exc:
        logger.warning("twilio unreachable: %s", type(exc).__name__)
        raise TransientProviderError(
            f"Twilio unreachable: {type(exc).__name__}", code=ChannelsErrorCode.NETWORK
        ) from exc


def _int(value: object) -> int | None:
    if isinstance(value, int):
        return value
    try:
        return int(str(value))
    except ValueError:
        return None

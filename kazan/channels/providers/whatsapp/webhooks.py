"""GET/POST /hooks/whatsapp/<hook_key>/: each WhatsApp installation's own callback URL.

Each business brings its own Meta app, and Meta's App Dashboard takes one callback URL per app,
so each installation gets its own: `hook_key` is a random URL-safe token made on connecting
(`config["hook_key"]`). It only routes; it is not a credential (the signature is). An unknown,
malformed or disconnected key is a 403 before the body is read.

GET is Meta's subscription handshake: `hub.mode=subscribe`, `hub.verify_token` and
`hub.challenge`; when the token is THIS installation's (compared in constant time) the
challenge is echoed as text/plain, otherwise 403.

POST carries messages and statuses, signed in `X-Hub-Signature-256` ("sha256=" + the hex
HMAC-SHA256 of the raw body with the installation's app secret). The signature is checked in
constant time over the raw body (at most BODY_MAX_BYTES, judged by Content-Length before
reading) before anything is parsed: missing or wrong → 403, nothing read or stored. Only then
is the body parsed: not JSON (though signed) → 400, nothing stored. Changes whose
`metadata.phone_number_id` is not this installation's number are skipped with a log. Messages
are stored for the worker (channels.services.inbound_store: the wamid is unique, so Meta's
retries are dropped) and statuses update the outbox (messaging.services.message_status_update).
Answers 200 otherwise, also for parts it cannot use (logged), so Meta does not retry them.
"""

import hashlib
import hmac
import json
import logging
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.forms import verify_token_index
from kazan.channels.providers.whatsapp.inbound import whatsapp_parse
from kazan.channels.queries import installation_credentials, unscoped_installation_for_hook
from kazan.core.errors import CoreErrorCode
from kazan.messaging.services import message_status_update

logger = logging.getLogger("kazan.hooks.whatsapp")

SIGNATURE_HEADER = "X-Hub-Signature-256"
PROVIDER = "whatsapp"
BODY_MAX_BYTES = 3 * 1024 * 1024
# secrets.token_urlsafe(18) is 24 characters of the URL-safe alphabet; anything else is not ours.
HOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def whatsapp_hook_path(installation: ChannelInstallation) -> str:
    """The installation's callback path ("" for an installation without a key)."""
    key = str((installation.config or {}).get("hook_key") or "")
    return reverse("hooks:whatsapp", args=[key]) if HOOK_KEY.match(key) else ""


def _forbidden(message: str = "Invalid signature.") -> JsonResponse:
    return JsonResponse({"code": CoreErrorCode.FORBIDDEN, "message": message}, status=403)


def signature_valid(body: bytes, *, header: str, app_secret: str) -> bool:
    """`header` is "sha256=" + the HMAC-SHA256 of `body` with `app_secret` (constant time)."""
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest().encode()
    given = header[len("sha256=") :].strip().lower().encode("utf-8", "replace")
    return hmac.compare_digest(expected, given)


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return BODY_MAX_BYTES + 1


def _handshake(request: HttpRequest, installation: ChannelInstallation) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not token or not challenge or len(challenge) > 200:
        return _forbidden("Invalid verification request.")
    expected = str((installation.config or {}).get("verify_token_index") or "")
    if not expected or not hmac.compare_digest(verify_token_index(token), expected):
        logger.warning("whatsapp handshake with a wrong verify token")
        return _forbidden("Invalid verify token.")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest, hook_key: str) -> HttpResponse:
    installation = (
        unscoped_installation_for_hook(provider=PROVIDER, hook_key=hook_key)
        if HOOK_KEY.match(hook_key)
        else None
    )
    if installation is None:
        logger.warning("whatsapp webhook for an unknown or disconnected installation")
        return _forbidden("Unknown webhook.")
    if request.method == "GET":
        return _handshake(request, installation)
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header or _content_length(request) > BODY_MAX_BYTES:
        logger.warning("whatsapp webhook without a signature or too large")
        return _forbidden()
    body = request.body
    app_secret = installation_credentials(installation).get("app_secret", "")
    if not signature_valid(body, header=header, app_secret=app_secret):
        logger.warning("whatsapp webhook with a wrong signature")
        return _forbidden()
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"code": CoreErrorCode.UNREADABLE_BODY, "message": "The body is not JSON."},
            status=400,
        )
    _act(data, installation)
    return HttpResponse("OK", content_type="text/plain")


def _act(data: object, installation: ChannelInstallation) -> None:
    """A verified body: this number's messages stored for the worker, statuses applied to the
    outbox; changes naming another number are skipped (its own URL would have carried them)."""
    from kazan.channels.services import inbound_store

    number = str((installation.config or {}).get("phone_number_id") or "")
    for batch in whatsapp_parse(data):
        if not number or batch.phone_number_id != number:
            logger.warning("whatsapp webhook: a change for another number skipped")
            continue
        for message in batch.messages:
            _event, stored = inbound_store(
                provider=PROVIDER, channel="whatsapp", message=message, installation=installation
            )
            if not stored:
                logger.info("whatsapp message %s is a retry; dropped", message.provider_message_id)
        for report in batch.statuses:
            updated = message_status_update(
                provider=PROVIDER,
                provider_message_id=report.wamid,
                status=report.status,
                error_code=report.error_code,
                error_message=report.error_message,
                installation=installation,
            )
            if updated is None:
                logger.info("whatsapp status %s for an unknown message", report.status)
        if batch.skipped:
            logger.info("whatsapp webhook: %d unsupported items skipped", batch.skipped)

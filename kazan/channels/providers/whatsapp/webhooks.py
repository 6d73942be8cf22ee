"""GET/POST /hooks/whatsapp/: one URL for every business's WhatsApp number.

GET is Meta's subscription handshake: `hub.mode=subscribe`, `hub.verify_token` and
`hub.challenge`; when the token is that of an active installation the challenge is echoed as
text/plain, otherwise 403.

POST carries messages and statuses, signed in `X-Hub-Signature-256` ("sha256=" + the hex
HMAC-SHA256 of the raw body with the app's secret). Before anything is acted on, the body's
`metadata.phone_number_id`s (the only fields read unverified) name the installations; the
signature must match each one's app secret (compared in constant time). An unknown number, an
unsigned or wrongly signed body: 403, nothing stored. Then messages are stored for the worker
(channels.services.inbound_store: the wamid is unique, so Meta's retries are dropped) and
statuses update the outbox (messaging.services.message_status_update). Answers 200 otherwise,
also for parts it cannot use (logged), so Meta does not retry them forever.
"""

import hashlib
import hmac
import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.whatsapp.forms import verify_token_index
from kazan.channels.providers.whatsapp.inbound import phone_number_ids, whatsapp_parse
from kazan.channels.queries import installation_credentials, unscoped_installation_for_address
from kazan.core.errors import CoreErrorCode
from kazan.messaging.services import message_status_update

logger = logging.getLogger("kazan.hooks.whatsapp")

SIGNATURE_HEADER = "X-Hub-Signature-256"
PROVIDER = "whatsapp"
BODY_MAX_BYTES = 3 * 1024 * 1024


def _forbidden(message: str = "Invalid signature.") -> JsonResponse:
    return JsonResponse({"code": CoreErrorCode.FORBIDDEN, "message": message}, status=403)


def signature_valid(body: bytes, *, header: str, app_secret: str) -> bool:
    if not app_secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


def _installation(pnid: str, body: bytes, header: str) -> ChannelInstallation | None:
    """The active installation of `pnid` whose app secret signed `body` (cached lookup first,
    the table before refusing); None: unknown or not signed by it."""
    for fresh in (False, True):
        found = unscoped_installation_for_address(provider=PROVIDER, address=pnid, fresh=fresh)
        if found is not None and signature_valid(
            body, header=header, app_secret=installation_credentials(found).get("app_secret", "")
        ):
            return found
    return None


def _handshake(request: HttpRequest) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    if mode != "subscribe" or not token or not challenge or len(challenge) > 200:
        return _forbidden("Invalid verification request.")
    known = ChannelInstallation.objects.filter(
        provider=PROVIDER,
        status=ChannelInstallation.Status.ACTIVE,
        config__verify_token_index=verify_token_index(token),
    ).exists()
    if not known:
        logger.warning("whatsapp handshake with an unknown verify token")
        return _forbidden("Invalid verify token.")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _handshake(request)
    header = request.headers.get(SIGNATURE_HEADER, "")
    if not header or len(request.body) > BODY_MAX_BYTES:
        logger.warning("whatsapp webhook without a signature")
        return _forbidden()
    body = request.body
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return _forbidden()
    ids = phone_number_ids(data)
    if not ids or "" in ids:
        return _forbidden()
    installations: dict[str, ChannelInstallation] = {}
    for pnid in ids:
        found = _installation(pnid, body, header)
        if found is None:
            logger.warning("whatsapp webhook: unknown number or bad signature")
            return _forbidden()
        installations[pnid] = found
    _act(data, installations)
    return HttpResponse("OK", content_type="text/plain")


def _act(data: object, installations: dict[str, ChannelInstallation]) -> None:
    """A verified body: messages stored for the worker, statuses applied to the outbox."""
    from kazan.channels.services import inbound_store

    for batch in whatsapp_parse(data):
        installation = installations[batch.phone_number_id]
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

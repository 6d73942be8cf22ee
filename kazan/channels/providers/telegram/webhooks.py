"""POST /hooks/telegram/<hook_key>/: each Telegram installation's own webhook URL (setWebhook).

`hook_key` is a random URL-safe token made on connecting (`config["hook_key"]`); it only routes.
The credential is the `secret_token` given to setWebhook, which Telegram sends back in the
`X-Telegram-Bot-Api-Secret-Token` header of every update: compared in constant time with the
installation's (encrypted) secret before the body is read. An unknown or disconnected key, a
missing or wrong secret, or a body over BODY_MAX_BYTES (by its Content-Length) → 403 with
nothing read or stored. Then the body is parsed: not JSON → 400; an update the channel does not
handle → 200 (logged), so Telegram does not redeliver it. A handled update is stored for the
worker (channels.services.inbound_store: "<bot id>:<update_id>" is unique, so redeliveries are
dropped) and answered 200 at once; the worker answers callbacks, downloads files and runs the
conversation (process.py).
"""

import hmac
import json
import logging
import re

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.telegram.inbound import telegram_parse
from kazan.channels.queries import installation_credentials, unscoped_installation_for_hook
from kazan.core.errors import CoreErrorCode

logger = logging.getLogger("kazan.hooks.telegram")

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
PROVIDER = "telegram"
# One update: a message of at most 4096 characters with its entities and the users' details.
BODY_MAX_BYTES = 256 * 1024
HOOK_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def telegram_hook_path(installation: ChannelInstallation) -> str:
    """The installation's webhook path ("" for an installation without a key)."""
    key = str((installation.config or {}).get("hook_key") or "")
    return reverse("hooks:telegram", args=[key]) if HOOK_KEY.match(key) else ""


def _forbidden(message: str = "Invalid secret token.") -> JsonResponse:
    return JsonResponse({"code": CoreErrorCode.FORBIDDEN, "message": message}, status=403)


def secret_valid(given: str, *, expected: str) -> bool:
    """The header equals the installation's secret token (constant time)."""
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode())


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return BODY_MAX_BYTES + 1


def update_store(update: object, installation: ChannelInstallation) -> bool:
    """A verified update stored for the worker; False when it is skipped or a redelivery."""
    from kazan.channels.services import inbound_store

    bot_id = str((installation.config or {}).get("bot_id") or "")
    message = telegram_parse(update, bot_id=bot_id)
    if message is None:
        logger.info("telegram update skipped (not handled by the channel)")
        return False
    _event, stored = inbound_store(
        provider=PROVIDER, channel="telegram", message=message, installation=installation
    )
    if not stored:
        logger.info("telegram update %s is a redelivery; dropped", message.provider_message_id)
    return stored


@csrf_exempt
@require_POST
def telegram_webhook(request: HttpRequest, hook_key: str) -> HttpResponse:
    installation = (
        unscoped_installation_for_hook(provider=PROVIDER, hook_key=hook_key)
        if HOOK_KEY.match(hook_key)
        else None
    )
    if installation is None:
        logger.warning("telegram webhook for an unknown or disconnected installation")
        return _forbidden("Unknown webhook.")
    given = request.headers.get(SECRET_HEADER, "")
    expected = installation_credentials(installation).get("secret_token", "")
    if not secret_valid(given, expected=expected):
        logger.warning("telegram webhook with a missing or wrong secret token")
        return _forbidden()
    if _content_length(request) > BODY_MAX_BYTES:
        logger.warning("telegram webhook body too large")
        return _forbidden("The body is too large.")
    try:
        update = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"code": CoreErrorCode.UNREADABLE_BODY, "message": "The body is not JSON."},
            status=400,
        )
    update_store(update, installation)
    return HttpResponse("OK", content_type="text/plain")

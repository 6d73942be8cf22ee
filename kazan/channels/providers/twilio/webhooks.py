"""POST /hooks/twilio/status: Twilio's message status callbacks.

Twilio posts form-encoded parameters (MessageSid, MessageStatus, ErrorCode, …; fixtures/ holds
the documented payloads) signed with the account's auth token in X-Twilio-Signature over
PUBLIC_URL + path + the sorted parameters. A message sent through a business's own installation
carries `?installation=<id>` in its callback URL (signed with the URL), so the callback is
checked with that installation's token; otherwise with the platform's (TWILIO_AUTH_TOKEN).
Answers:
- 403 when the signature is missing or wrong (nothing is acted on before it is checked);
- 400 when the payload is malformed (no MessageSid, a status Twilio does not have);
- 200 otherwise, also for an unknown MessageSid (logged: Twilio must not retry forever) and for
  statuses that say nothing new (queued, accepted, sending…).
Reports only move a message forward (messaging.services.sms_status_update), so repeats and
late, out-of-order callbacks change nothing.
"""

import functools
import logging
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator, compare

from kazan.channels.models import ChannelInstallation
from kazan.channels.queries import installation_credentials
from kazan.core.errors import CoreErrorCode
from kazan.messaging.services import sms_status_update

logger = logging.getLogger("kazan.hooks.twilio")

SIGNATURE_HEADER = "X-Twilio-Signature"
MESSAGE_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
# Twilio's MessageStatus values -> our delivery report (None: nothing to record).
STATUS_REPORTS: dict[str, str | None] = {
    "accepted": None,
    "scheduled": None,
    "queued": None,
    "sending": None,
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",  # cancelled before sending: not billed, refunded like failed
    "partially_delivered": "delivered",
    "receiving": None,
    "received": None,
}


def installation_token(installation: ChannelInstallation | None) -> str:
    """The auth token Twilio signs with for `installation`; the platform's for None."""
    if installation is None:
        return settings.TWILIO_AUTH_TOKEN
    return installation_credentials(installation).get("auth_token", "")


def signature_valid(request: HttpRequest, *, token: str) -> bool:
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not signature or not token:
        return False
    url = settings.PUBLIC_URL + request.get_full_path()
    validator = RequestValidator(token)
    # The URL as Twilio was given it first: one HMAC for a genuine request. `validate` also
    # tries the URL with and without an explicit port (two more), for anything else.
    if compare(validator.compute_signature(url, request.POST), signature):
        return True
    return bool(validator.validate(url, request.POST, signature))


def bad_request(message: str) -> JsonResponse:
    return JsonResponse({"code": CoreErrorCode.INVALID, "message": message}, status=400)


# A webhook view: the request, and the installation whose token signed it as `installation`.
SignedView = Callable[..., HttpResponse]


def twilio_signed(
    installation_find: Callable[[HttpRequest], ChannelInstallation | None],
    installation_refind: Callable[[HttpRequest], ChannelInstallation | None] | None = None,
) -> Callable[[SignedView], Callable[..., HttpResponse]]:
    """A Twilio webhook: POST only, no CSRF (Twilio signs instead), and a 403 before anything is
    acted on when the signature is missing or wrong. `installation_find` names whose auth token
    signed it (None: the platform's); the view gets it as `installation`. When it answers from
    a cache, `installation_refind` asks the table before a signature is refused."""

    def decorator(view: SignedView) -> Callable[..., HttpResponse]:
        @csrf_exempt
        @require_POST
        @functools.wraps(view)
        def checked(request: HttpRequest, *args: str, **kwargs: str) -> HttpResponse:
            installation = installation_find(request)
            valid = signature_valid(request, token=installation_token(installation))
            if not valid and installation_refind is not None:
                installation = installation_refind(request)
                valid = signature_valid(request, token=installation_token(installation))
            if not valid:
                logger.warning("twilio %s with a bad or missing signature", view.__name__)
                return JsonResponse(
                    {"code": CoreErrorCode.FORBIDDEN, "message": "Invalid signature."}, status=403
                )
            return view(request, *args, installation=installation, **kwargs)

        return checked

    return decorator


def _callback_installation(request: HttpRequest) -> ChannelInstallation | None:
    installation_id = request.GET.get("installation", "")
    if not installation_id.isdigit():
        return None
    return ChannelInstallation.objects.filter(pk=int(installation_id), provider="twilio").first()


@twilio_signed(_callback_installation)
def twilio_status(
    request: HttpRequest, *, installation: ChannelInstallation | None
) -> HttpResponse:
    sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "").strip().lower()
    if not MESSAGE_SID.match(sid):
        return bad_request("MessageSid is missing or malformed.")
    if status not in STATUS_REPORTS:
        return bad_request("MessageStatus is missing or unknown.")
    report = STATUS_REPORTS[status]
    if report is None:
        return HttpResponse(status=200)
    error_code = request.POST.get("ErrorCode", "")[:32]
    if error_code and not error_code.isdigit():
        return bad_request("ErrorCode must be a number.")
    message = sms_status_update(
        provider="twilio",
        provider_message_id=sid,
        report=report,
        error_code=error_code,
        error_message=f"Twilio error {error_code}" if error_code else "",
        installation=installation,
    )
    if message is None:
        logger.info("twilio status %s for an unknown message sid %s", status, sid)
    return HttpResponse(status=200)

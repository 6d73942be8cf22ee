"""POST /hooks/oxapay/ (invoices made with the platform's key) and /hooks/oxapay/<hook_key>/
(a business's own merchant account): OxaPay's payment callbacks.

OxaPay posts JSON when an invoice's status changes and signs the raw body: header `HMAC` =
hex HMAC-SHA512(body, merchant API key). The key is known from the URL before anything of the
body is read, and the signature is compared in constant time. Answers:
- 404 for an unknown hook key; 413 for a body over MAX_BODY_BYTES;
- 403 when the signature is missing or wrong (or no key is configured): nothing is read;
- 400 when a signed body is not a callback (not JSON, no track id or status);
- 200 "ok" for everything else, which is what OxaPay waits for (it retries otherwise, up to
  five times): applied, a repeat (the event id is "<track_id>:<status>", so each status of an
  invoice is applied once), or refused because the invoice belongs to another account (a
  business's key can only speak of its own invoices; the platform's only of the platform's).
"""

import hashlib
import hmac
import json
import logging
import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kazan.billing.gateways.oxapay.gateway import (
    GATEWAY,
    KEY_FIELD,
    amount_to_minor,
    status_outcome,
)
from kazan.billing.models import GatewayAccount
from kazan.billing.queries import (
    gateway_account_by_hook,
    gateway_checkout_get,
    payment_exists_for,
)
from kazan.billing.services import GatewayEventData, gateway_event_apply

logger = logging.getLogger("kazan.hooks.oxapay")

SIGNATURE_HEADER = "HMAC"
MAX_BODY_BYTES = 64 * 1024
# OxaPay's track ids are digits; allow letters too (never spaces or separators), ≤ 64.
TRACK_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
STATUS = re.compile(r"[A-Za-z _]{1,32}")


def signature(body: bytes, key: str) -> str:
    """The `HMAC` header OxaPay sends for `body`."""
    return hmac.new(key.encode(), body, hashlib.sha512).hexdigest()


def signature_valid(body: bytes, header: str | None, key: str) -> bool:
    if not key or not header:
        return False
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, a 500).
    given = header.strip().lower().encode("utf-8", errors="replace")
    return hmac.compare_digest(signature(body, key).encode(), given)


def callback_parse(payload: dict[str, Any]) -> GatewayEventData:
    """A verified callback body → billing's event. Raises ValueError when it is not one."""
    track_id, status = payload.get("track_id"), payload.get("status")
    if isinstance(track_id, int) and not isinstance(track_id, bool):
        track_id = str(track_id)
    if not isinstance(track_id, str) or not TRACK_ID.fullmatch(track_id):
        raise ValueError("no track id")
    if not isinstance(status, str) or not STATUS.fullmatch(status):
        raise ValueError("no status")
    currency = payload.get("currency")
    currency = currency.upper()[:10] if isinstance(currency, str) else ""
    return GatewayEventData(
        gateway=GATEWAY,
        event_id=f"{track_id}:{status.strip().lower()}",
        event_type=status,
        reference=track_id,
        outcome=status_outcome(status),
        amount_minor=amount_to_minor(payload.get("amount"), currency),
        currency=currency,
    )


def _ok() -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


def _owned(reference: str, account: GatewayAccount | None) -> bool:
    """Whether the callback's account may speak of this invoice. An unrecorded one only on the
    platform's URL (billing reports it as an unknown payment)."""
    checkout = gateway_checkout_get(gateway=GATEWAY, reference=reference)
    if checkout is None:
        return account is None
    return checkout.account_id == (account.pk if account is not None else None)


@csrf_exempt
@require_POST
def oxapay_callback(request: HttpRequest, hook_key: str = "") -> HttpResponse:
    account: GatewayAccount | None = None
    if hook_key:
        account = gateway_account_by_hook(gateway=GATEWAY, hook_key=hook_key)
        if account is None:
            return HttpResponse("unknown", status=404, content_type="text/plain")
        key = account.credential(KEY_FIELD)
    else:
        key = settings.OXAPAY_MERCHANT_API_KEY
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY_BYTES:
        return HttpResponse("too large", status=413, content_type="text/plain")
    body = request.body
    if len(body) > MAX_BODY_BYTES:
        return HttpResponse("too large", status=413, content_type="text/plain")
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER), key):
        logger.warning("oxapay callback with a bad or missing signature")
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    try:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("not an object")
        event = callback_parse(payload)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        logger.warning("oxapay callback: malformed body (%s)", type(exc).__name__)
        return HttpResponse("malformed", status=400, content_type="text/plain")
    if not _owned(event.reference, account):
        logger.warning(
            "oxapay callback for track %s refused: another account's invoice", event.reference
        )
        return _ok()
    if account is not None and payment_exists_for(gateway=GATEWAY, reference=event.reference):
        # What a business pays the platform is never settled through the business's own key.
        logger.warning(
            "oxapay callback for track %s refused: a platform payment on a business account",
            event.reference,
        )
        return _ok()
    result = gateway_event_apply(event=event)
    logger.info("oxapay callback %s: %s", event.event_id, result)
    return _ok()

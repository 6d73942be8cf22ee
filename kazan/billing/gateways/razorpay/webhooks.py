"""POST /hooks/razorpay/: Razorpay's webhook events for orders and subscriptions.

Razorpay signs the raw body with the webhook's secret (RAZORPAY_WEBHOOK_SECRET): the
X-Razorpay-Signature header is the hex HMAC-SHA256 of the body, checked by the official SDK in
constant time before anything is parsed. The event's id travels in the x-razorpay-event-id
header (the same on every retry) but is not signed: an event is deduplicated through
GatewayEvent under the SHA-256 of its signed body (events.body_event_id), which a retry repeats
and a replay under a fresh header id cannot change. Answers:
- 400 when the signature is missing or wrong (or no secret is configured), the body is not a
  Razorpay event or the event id is missing or malformed; 413 for a body above BODY_MAX;
- 503 when a failed renewal's invoice cannot be looked up right now (Razorpay retries);
- 200 for everything else, also for types we do not handle (logged) and for repeats.

Orders (SMS packages): payment.captured and order.paid → the payment is paid (once: the second
is "unchanged"); payment.failed leaves the order open. Subscriptions go to
billing.services.plan_events.subscription_event_apply (events.py maps them).
"""

import json
import logging
from typing import Any

import razorpay
import razorpay.errors
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kazan.billing.gateways import GatewayError, SubscriptionEventData, gateway_get
from kazan.billing.gateways.razorpay.events import (
    EVENT_ID,
    InvoiceLookup,
    UnknownEventType,
    body_event_id,
    event_business_id,
    event_parse,
    failed_invoice_event,
    notes_business_id,
)
from kazan.billing.gateways.razorpay.gateway import RazorpayGateway
from kazan.billing.services import gateway_event_apply
from kazan.billing.services.plan_events import subscription_event_apply

logger = logging.getLogger("kazan.hooks.razorpay")

SIGNATURE_HEADER = "X-Razorpay-Signature"
EVENT_ID_HEADER = "X-Razorpay-Event-Id"
# Razorpay's events are a few KiB; anything far larger is not one of them.
BODY_MAX = 256 * 1024


def _bad_request(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": "invalid", "message": message}, status=status)


def signature_valid(body: bytes, signature: str) -> bool:
    """The SDK's check of X-Razorpay-Signature; False for anything that is not a valid one."""
    secret = settings.RAZORPAY_WEBHOOK_SECRET
    if not secret:
        logger.error("razorpay webhook refused: RAZORPAY_WEBHOOK_SECRET is not set")
        return False
    if not signature or not signature.isascii():  # compare_digest takes ASCII only
        return False
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    try:
        return bool(razorpay.Utility(None).verify_webhook_signature(text, signature, secret))
    except razorpay.errors.SignatureVerificationError:
        return False


@csrf_exempt
@require_POST
def razorpay_webhook(request: HttpRequest) -> HttpResponse:
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > BODY_MAX:
        return _bad_request("The body is too large.", status=413)
    body = request.body
    if len(body) > BODY_MAX:
        return _bad_request("The body is too large.", status=413)
    if not signature_valid(body, request.headers.get(SIGNATURE_HEADER, "")):
        logger.warning("razorpay webhook with a bad or missing signature")
        return _bad_request("Invalid signature.")
    try:
        event = json.loads(body)
    except ValueError:
        event = None
    if not isinstance(event, dict):
        return _bad_request("The body is not a Razorpay event.")
    header_id = request.headers.get(EVENT_ID_HEADER, "")
    # A missing or malformed header id stays one (event_parse refuses it).
    event_id = body_event_id(body) if EVENT_ID.fullmatch(header_id) else header_id
    business_id = event_business_id(event)
    try:
        data = event_parse(event, event_id=event_id)
    except UnknownEventType as exc:
        logger.info("razorpay webhook: ignored event %.100s", exc)
        return JsonResponse({"status": "ignored"})
    except ValueError as exc:
        logger.warning("razorpay webhook: malformed event (%s)", exc)
        return _bad_request("The event is malformed.")
    if isinstance(data, InvoiceLookup):
        try:
            invoice = _invoice(data.invoice_id)
            business_id = notes_business_id(invoice.get("notes"))
            data = failed_invoice_event(data, invoice)
        except UnknownEventType as exc:
            logger.info("razorpay webhook: ignored event %.100s", exc)
            return JsonResponse({"status": "ignored"})
        except GatewayError as exc:
            if not exc.transient:
                logger.warning("razorpay webhook: invoice lookup refused (%s)", exc.code)
                return JsonResponse({"status": "ignored"})
            return JsonResponse({"code": "unavailable", "message": exc.message}, status=503)
    if isinstance(data, SubscriptionEventData):
        result = subscription_event_apply(event=data, metadata_business_id=business_id)
    else:
        result = gateway_event_apply(event=data)
    logger.info(
        "razorpay webhook %s %s (%s): %s", data.event_type, header_id, data.event_id, result
    )
    return JsonResponse({"status": result})


def _invoice(invoice_id: str) -> dict[str, Any]:
    try:
        gateway = gateway_get(RazorpayGateway.key)
    except ImproperlyConfigured as exc:
        raise GatewayError("Razorpay is not configured", transient=True) from exc
    assert isinstance(gateway, RazorpayGateway)
    return gateway.invoice_get(invoice_id)

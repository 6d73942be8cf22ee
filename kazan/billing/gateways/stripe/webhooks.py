"""POST /hooks/stripe/: Stripe's webhook events for Checkout and Stripe Billing.

Stripe signs the raw body with the endpoint's secret (STRIPE_WEBHOOK_SECRET) in the
Stripe-Signature header ("t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>">"); the official SDK
verifies it (and refuses timestamps older than five minutes). Answers:
- 400 when the signature is missing or wrong, or the body is not a Stripe event; nothing is read
  before the signature is checked. A signed event that is malformed (an id that is not a Stripe
  event id: too long for our unique key, or with characters Stripe never uses) is a 400 too:
  it can never be applied or deduplicated, and a 4xx shows it failing in Stripe's dashboard
  instead of hiding it behind a 200 (Stripe stops retrying after three days);
- 200 for everything else, also for event types we do not handle (logged) and for repeats:
  Stripe retries anything but a 2xx for days, and a repeat must change nothing.

Events handled (fixtures/ holds Stripe's documented payloads):
- checkout.session.completed with payment_status "paid" → the payment is paid, credits arrive;
  with "unpaid" (a delayed method such as SEPA) → nothing yet, wait for:
- checkout.session.async_payment_succeeded → paid;
- checkout.session.async_payment_failed → failed;
- checkout.session.expired → cancelled.
Plans (Stripe Billing, decision 0036; parsed by billing_events.py, applied once by
billing.services.plan_events.subscription_event_apply):
- checkout.session.completed in subscription mode → links Stripe's subscription and customer to
  our plan subscription (metadata subscription_id);
- customer.subscription.created / updated / deleted → status, price, period, cancellation;
- invoice.paid → an invoice (ours) and a payment; invoice.payment_failed → past due, dunning.
Other checkout.session.* events of a subscription-mode session change nothing (200 ignored).
"""

import json
import logging
import re
from typing import Any

import stripe
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from kazan.billing.gateways import SubscriptionEventData
from kazan.billing.gateways.stripe.billing_events import (
    INVOICE_TYPES,
    SUBSCRIPTION_TYPES,
    NotASubscriptionEvent,
    metadata_business_id,
    subscription_event_parse,
)
from kazan.billing.services import GatewayEventData, gateway_event_apply
from kazan.billing.services.plan_events import subscription_event_apply

logger = logging.getLogger("kazan.hooks.stripe")

SIGNATURE_HEADER = "Stripe-Signature"
GATEWAY = "stripe"
CHECKOUT_TYPES = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
HANDLED_TYPES = CHECKOUT_TYPES | SUBSCRIPTION_TYPES | INVOICE_TYPES


# Stripe's ids: a prefix and letters/digits ("evt_1QfK8cLkdIwHu7ixE5f6G7h8"); at most the
# 255 characters of GatewayEvent.event_id.
EVENT_ID = re.compile(r"evt_[A-Za-z0-9_]{1,251}")


class UnknownEventType(Exception):
    """A verified event of a type this endpoint does not handle (answered 200, logged)."""


def event_parse(event: dict[str, Any]) -> GatewayEventData | SubscriptionEventData:
    """A verified Stripe event → what billing needs: a one-off payment's outcome or a plan
    subscription's news. Raises UnknownEventType, ValueError."""
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise ValueError("not a Stripe event")
    if not EVENT_ID.fullmatch(event_id):
        raise ValueError("not a Stripe event id")
    if event_type not in HANDLED_TYPES:
        raise UnknownEventType(event_type)
    if event_type not in CHECKOUT_TYPES:
        try:
            return subscription_event_parse(event)
        except NotASubscriptionEvent:
            raise UnknownEventType(f"{event_type} without a subscription") from None
    data = event.get("data")
    session = data.get("object") if isinstance(data, dict) else None
    if not isinstance(session, dict) or session.get("object") != "checkout.session":
        raise ValueError("the event carries no checkout session")
    if session.get("mode") == "subscription":
        if event_type != "checkout.session.completed":
            raise UnknownEventType(f"{event_type} of a subscription checkout")
        return subscription_event_parse(event)
    outcome: str | None
    if event_type == "checkout.session.completed":
        paid = session.get("payment_status") in ("paid", "no_payment_required")
        outcome = "paid" if paid else None
    elif event_type == "checkout.session.async_payment_succeeded":
        outcome = "paid"
    elif event_type == "checkout.session.async_payment_failed":
        outcome = "failed"
    else:
        outcome = "cancelled"
    amount = session.get("amount_total")
    return GatewayEventData(
        gateway=GATEWAY,
        event_id=event_id,
        event_type=event_type,
        reference=str(session.get("id") or ""),
        outcome=outcome,
        amount_minor=amount if isinstance(amount, int) else None,
        currency=str(session.get("currency") or ""),
    )


def _bad_request(message: str) -> JsonResponse:
    return JsonResponse({"code": "invalid", "message": message}, status=400)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    payload = request.body
    try:
        stripe.WebhookSignature.verify_header(
            payload,
            request.headers.get(SIGNATURE_HEADER),
            settings.STRIPE_WEBHOOK_SECRET,
            stripe.Webhook.DEFAULT_TOLERANCE,
        )
    except stripe.SignatureVerificationError:
        logger.warning("stripe webhook with a bad or missing signature")
        return _bad_request("Invalid signature.")
    except ValueError:  # not UTF-8
        return _bad_request("The body is not a Stripe event.")
    try:
        event = json.loads(payload)
    except ValueError:
        event = None
    if not isinstance(event, dict):  # signed, but not a JSON object
        return _bad_request("The body is not a Stripe event.")
    try:
        data = event_parse(event)
    except UnknownEventType as exc:
        logger.info("stripe webhook: ignored event type %.100s", exc)
        return JsonResponse({"status": "ignored"})
    except ValueError as exc:
        logger.warning("stripe webhook: malformed event (%s)", exc)
        return _bad_request("The event is malformed.")
    if isinstance(data, SubscriptionEventData):
        result = subscription_event_apply(
            event=data, metadata_business_id=metadata_business_id(event)
        )
    else:
        result = gateway_event_apply(event=data)
    logger.info("stripe webhook %s %s: %s", data.event_type, data.event_id, result)
    return JsonResponse({"status": result})

"""Stripe Checkout through the official SDK (`stripe.StripeClient`).

The payer is sent to a hosted Checkout Session; Stripe tells us the outcome with a signed webhook
(webhooks.py). The SDK's base address is configurable (STRIPE_API_BASE) so tests drive the real
SDK against a local fake that speaks Stripe's wire format (tests/fake_stripe.py).
"""

import logging
from typing import Any

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from stripe.params.checkout import SessionCreateParams

from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import CheckoutRequest, CheckoutResult, CheckoutState, GatewayError

logger = logging.getLogger("kazan.billing.stripe")

DEFAULT_TIMEOUT_SECONDS = 20
# Stripe's Checkout Session status / payment_status -> our outcome.
_EXPIRED = "expired"


def session_outcome(session: dict[str, Any]) -> str | None:
    """ "paid", "cancelled" or None (open, or complete but an async payment still pending)."""
    if session.get("status") == _EXPIRED:
        return "cancelled"
    if session.get("status") == "complete" and session.get("payment_status") in (
        "paid",
        "no_payment_required",
    ):
        return "paid"
    return None


class StripeGateway:
    key = "stripe"
    redirects = True
    # Where the payer is redirected (the dashboard's CSP form-action allows it).
    checkout_origin = "https://checkout.stripe.com"

    def __init__(
        self, *, secret_key: str, api_base: str = "", timeout: int = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        if not secret_key:
            raise ImproperlyConfigured("The Stripe gateway needs STRIPE_SECRET_KEY.")
        self.client = stripe.StripeClient(
            secret_key,
            base_addresses={"api": api_base.rstrip("/")} if api_base else None,
            max_network_retries=2,  # safe: every create carries an idempotency key
            http_client=stripe.RequestsClient(timeout=timeout),
        )

    @classmethod
    def from_settings(cls) -> "StripeGateway":
        return cls(secret_key=settings.STRIPE_SECRET_KEY, api_base=settings.STRIPE_API_BASE)

    def checkout_start(self, request: CheckoutRequest) -> CheckoutResult:
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": request.currency.lower(),
                        "unit_amount": request.amount_minor,
                        "product_data": {"name": request.description},
                    },
                }
            ],
            "client_reference_id": str(request.payment_id),
            # The caller's metadata first: the keys the webhook routes by cannot be overwritten.
            "metadata": {
                **request.metadata,
                "payment_id": str(request.payment_id),
                "business_id": str(request.business_id),
                **({"package": request.package_key} if request.package_key else {}),
            },
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,
                options={"idempotency_key": request.idempotency_key},
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "create a checkout session") from exc
        if not session.get("id") or not session.get("url"):
            raise GatewayError(
                "Stripe answered without a session id or url", code=BillingErrorCode.NO_SESSION
            )
        return CheckoutResult(reference=session["id"], redirect_url=session["url"])

    def checkout_state(self, reference: str) -> CheckoutState | None:
        try:
            session = self.client.v1.checkout.sessions.retrieve(reference).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "retrieve a checkout session") from exc
        return CheckoutState(
            reference=session["id"],
            outcome=session_outcome(session),
            amount_minor=session.get("amount_total"),
            currency=(session.get("currency") or "").upper(),
        )


def _gateway_error(exc: stripe.StripeError, doing: str) -> GatewayError:
    # Stripe's messages describe the request, not the payer; the code and status are enough.
    code = getattr(exc, "code", None) or type(exc).__name__
    logger.warning(
        "stripe could not %s: %s status=%s code=%s",
        doing,
        type(exc).__name__,
        getattr(exc, "http_status", None),
        code,
    )
    status = getattr(exc, "http_status", None)
    transient = isinstance(exc, stripe.APIConnectionError | stripe.RateLimitError) or (
        isinstance(status, int) and status >= 500
    )
    return GatewayError(f"Stripe could not {doing} ({code})", code=str(code), transient=transient)

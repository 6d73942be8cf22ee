"""Stripe Checkout and Stripe Billing through the official SDK (`stripe.StripeClient`).

One-off payments (SMS packages): the payer is sent to a hosted Checkout Session in payment mode.
Plans (decision 0036): a Price per plan, interval, currency and gross amount (found again by its
lookup key), a Checkout Session in subscription mode, subscription updates for plan changes
(upgrades prorated and invoiced at once, downgrades from the next period), cancellation at the
period's end, the customer portal and refunds. Stripe tells us every outcome with a signed webhook
(webhooks.py). The SDK's base address is configurable (STRIPE_API_BASE) so tests drive the real
SDK against a local fake that speaks Stripe's wire format (testing.py).
"""

import dataclasses
import datetime as dt
import logging
from typing import Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from stripe.params import RefundCreateParams
from stripe.params.checkout import SessionCreateParams

from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import (
    CheckoutRequest,
    CheckoutResult,
    CheckoutState,
    GatewayError,
    SubscriptionCheckoutRequest,
    SubscriptionCheckoutResult,
    SubscriptionEventData,
    SubscriptionFetched,
    sync_event_id,
    sync_invoice_event_id,
)
from kazan.billing.gateways.stripe.billing_events import (
    GATEWAY,
    NotASubscriptionEvent,
    id_of,
    invoice_object_parse,
    invoice_paid_at,
    subscription_object_parse,
)

logger = logging.getLogger("kazan.billing.stripe")

DEFAULT_TIMEOUT_SECONDS = 20
# Stripe's Checkout Session status / payment_status -> our outcome.
_EXPIRED = "expired"
# Checkout refuses a subscription_data.trial_end less than 48 hours ahead: a shorter rest of the
# trial is not carried over (the plan is charged at once).
TRIAL_END_MIN = dt.timedelta(hours=48, minutes=5)


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
    prorates = True  # subscriptions.modify with proration_behavior="always_invoice"

    def __init__(
        self, *, secret_key: str, api_base: str = "", timeout: int = DEFAULT_TIMEOUT_SECONDS
    ) -> None:
        if not secret_key:
            raise ImproperlyConfigured("The Stripe gateway needs STRIPE_SECRET_KEY.")
        # Where the payer is redirected (the dashboard's CSP form-action allows it): Stripe's
        # hosted pages, or the local fake's, which serves the API and the pages at one origin.
        parts = urlsplit(api_base)
        self.checkout_origin = (
            f"{parts.scheme}://{parts.netloc}" if api_base else "https://checkout.stripe.com"
        )
        # The customer portal ("Manage card", "Pay now"): billing:portal redirects there.
        self.portal_origin = (
            f"{parts.scheme}://{parts.netloc}" if api_base else "https://billing.stripe.com"
        )
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

    # -- Stripe Billing: plan subscriptions (SubscriptionGateway) ---------------------------------

    def price_ensure(
        self,
        *,
        plan_price_id: int,
        plan_key: str,
        plan_name: str,
        interval: str,
        currency: str,
        amount_minor: int,
    ) -> str:
        lookup_key = price_lookup_key(
            plan_key=plan_key, interval=interval, currency=currency, amount_minor=amount_minor
        )
        try:
            found = self.client.v1.prices.list(
                params={"lookup_keys": [lookup_key], "limit": 1}
            ).to_dict()
            # At most one price holds a lookup key: ours, or one archived at Stripe since.
            archived = ""
            for price in found.get("data") or []:
                if price.get("active") and price.get("unit_amount") == amount_minor:
                    return str(price["id"])
                archived = str(price.get("id") or "")
            price = self.client.v1.prices.create(
                params={
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "recurring": {"interval": interval},
                    "lookup_key": lookup_key,
                    # An archived price under the key (staff tidied up at Stripe) hands it over.
                    "transfer_lookup_key": True,
                    "product_data": {"name": plan_name},
                    "metadata": {"plan": plan_key, "plan_price_id": str(plan_price_id)},
                },
                # Racing workers make one price; after an archived one, a new key.
                options={"idempotency_key": f"kazan-price-{lookup_key}-{archived or 'new'}"},
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "ensure a price") from exc
        return str(price["id"])

    def subscription_checkout_start(
        self, request: SubscriptionCheckoutRequest
    ) -> SubscriptionCheckoutResult:
        # The keys the webhook links by come last: the caller's metadata cannot overwrite them.
        metadata = {
            **request.metadata,
            "subscription_id": str(request.subscription_id),
            "business_id": str(request.business_id),
            "plan": request.plan_key,
        }
        subscription_data: dict[str, Any] = {"metadata": metadata}
        if request.trial_end and request.trial_end - timezone.now() >= TRIAL_END_MIN:
            subscription_data["trial_end"] = int(request.trial_end.timestamp())
        params: dict[str, Any] = {
            "mode": "subscription",
            "line_items": [{"price": request.price_id, "quantity": 1}],
            "client_reference_id": str(request.subscription_id),
            "metadata": metadata,
            "subscription_data": subscription_data,
            "success_url": request.success_url,
            "cancel_url": request.cancel_url,
        }
        if request.customer_id:
            params["customer"] = request.customer_id
        elif request.customer_email:
            params["customer_email"] = request.customer_email
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params,  # type: ignore[arg-type]
                options={"idempotency_key": request.idempotency_key},
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "create a subscription checkout session") from exc
        if not session.get("id") or not session.get("url"):
            raise GatewayError(
                "Stripe answered without a session id or url", code=BillingErrorCode.NO_SESSION
            )
        return SubscriptionCheckoutResult(
            reference=session["id"],
            redirect_url=session["url"],
            gateway_customer_id=id_of(session.get("customer")),
        )

    def subscription_change(
        self,
        *,
        gateway_subscription_id: str,
        price_id: str,
        immediately: bool,
        idempotency_key: str,
    ) -> None:
        try:
            subscription = self.client.v1.subscriptions.retrieve(gateway_subscription_id).to_dict()
            items = (subscription.get("items") or {}).get("data") or []
            if not items:
                raise GatewayError(
                    "The Stripe subscription has no item to change",
                    code=BillingErrorCode.GATEWAY_ERROR,
                )
            self.client.v1.subscriptions.update(
                gateway_subscription_id,
                params={
                    "items": [{"id": items[0]["id"], "price": price_id}],
                    # An upgrade: the unused time is credited, the rest charged now on its own
                    # invoice. A downgrade: the new price from the next renewal, nothing owed.
                    "proration_behavior": "always_invoice" if immediately else "none",
                },
                options={"idempotency_key": idempotency_key},
            )
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "change a subscription") from exc

    def subscription_cancel(self, *, gateway_subscription_id: str, at_period_end: bool) -> None:
        try:
            if at_period_end:
                self.client.v1.subscriptions.update(
                    gateway_subscription_id, params={"cancel_at_period_end": True}
                )
            else:
                self.client.v1.subscriptions.cancel(gateway_subscription_id)
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "cancel a subscription") from exc

    def subscription_resume(self, *, gateway_subscription_id: str) -> None:
        try:
            self.client.v1.subscriptions.update(
                gateway_subscription_id, params={"cancel_at_period_end": False}
            )
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "resume a subscription") from exc

    def subscription_fetch(self, *, gateway_subscription_id: str) -> SubscriptionFetched:
        """The subscription as Stripe holds it now, mapped as customer.subscription.* events
        are, and its latest invoice (expanded in the same request) when paid, mapped as
        invoice.paid is (reconciliation, when webhooks were lost). An open or void latest
        invoice adds nothing: the subscription's status already says past due."""
        try:
            subscription = self.client.v1.subscriptions.retrieve(
                gateway_subscription_id, params={"expand": ["latest_invoice"]}
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "retrieve a subscription") from exc
        try:
            state = subscription_object_parse(
                subscription,
                {
                    "gateway": GATEWAY,
                    "event_id": "",
                    "event_type": "subscription.fetched",
                    "occurred_at": timezone.now(),
                    "observed": True,
                },
            )
            invoice = self._latest_paid_invoice(subscription.get("latest_invoice"))
        except (ValueError, NotASubscriptionEvent) as exc:
            raise GatewayError(
                "Stripe answered with a subscription we cannot read",
                code=BillingErrorCode.GATEWAY_ERROR,
            ) from exc
        if state.gateway_subscription_id != gateway_subscription_id or (
            invoice is not None and invoice.gateway_subscription_id != gateway_subscription_id
        ):
            raise GatewayError(
                "Stripe answered with another subscription", code=BillingErrorCode.GATEWAY_ERROR
            )
        return SubscriptionFetched(
            state=dataclasses.replace(state, event_id=sync_event_id(state)),
            invoice=invoice
            and dataclasses.replace(invoice, event_id=sync_invoice_event_id(invoice)),
        )

    @staticmethod
    def _latest_paid_invoice(invoice: Any) -> SubscriptionEventData | None:
        """The expanded latest_invoice mapped as its invoice.paid webhook is, made when it was
        paid; None unless it is paid."""
        if not isinstance(invoice, dict) or invoice.get("status") != "paid":
            return None
        return invoice_object_parse(
            invoice,
            {
                "gateway": GATEWAY,
                "event_id": "",
                "event_type": "invoice.fetched",
                "occurred_at": invoice_paid_at(invoice),
                "observed": True,
            },
            paid=True,
        )

    def portal_url(self, *, gateway_customer_id: str, return_url: str) -> str:
        if not gateway_customer_id:
            return ""
        try:
            session = self.client.v1.billing_portal.sessions.create(
                params={"customer": gateway_customer_id, "return_url": return_url}
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "open the customer portal") from exc
        return str(session.get("url") or "")

    def payment_refund(
        self, *, payment_reference: str, amount_minor: int, idempotency_key: str
    ) -> str:
        try:
            params: RefundCreateParams = {"amount": amount_minor}
            kind, target = self._refund_target(payment_reference)
            if kind == "charge":
                params["charge"] = target
            else:
                params["payment_intent"] = target
            refund = self.client.v1.refunds.create(
                params=params, options={"idempotency_key": idempotency_key}
            ).to_dict()
        except stripe.StripeError as exc:
            raise _gateway_error(exc, "refund a payment") from exc
        return str(refund["id"])

    def _refund_target(self, reference: str) -> tuple[str, str]:
        """A PaymentIntent or Charge id as it is; an invoice id (what an invoice.paid event
        names when its payments are not included) → the payment that paid it."""
        if reference.startswith("ch_"):
            return "charge", reference
        if not reference.startswith("in_"):
            return "payment_intent", reference
        payments = self.client.v1.invoice_payments.list(
            params={"invoice": reference, "status": "paid", "limit": 1}
        ).to_dict()
        for entry in payments.get("data") or []:
            payment = entry.get("payment") or {}
            if payment.get("payment_intent"):
                return "payment_intent", id_of(payment["payment_intent"])
            if payment.get("charge"):
                return "charge", id_of(payment["charge"])
        raise GatewayError(
            "The Stripe invoice has no payment to refund", code=BillingErrorCode.GATEWAY_ERROR
        )


def price_lookup_key(*, plan_key: str, interval: str, currency: str, amount_minor: int) -> str:
    """One Stripe Price per plan, interval, currency and gross amount, found again by this key."""
    return f"kazan_{plan_key}_{interval}_{currency.lower()}_{amount_minor}"


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

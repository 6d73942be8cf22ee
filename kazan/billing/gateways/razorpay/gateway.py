"""Razorpay through the official SDK (`razorpay.Client`): orders for one-off payments (SMS
packages) and Plans + Subscriptions for recurring plans.

One-off: checkout_start creates an Order and sends the payer to our own dashboard page, which
opens Razorpay Checkout on it (Razorpay has no hosted page for an order); the Checkout callback
verifies the signature and reconciles, the webhook (webhooks.py) is the source of truth.
Recurring: a Plan per price, a Customer and a Subscription whose `short_url` is Razorpay's hosted
page where the payer authorises the card or mandate. The SDK's base address is configurable
(RAZORPAY_API_BASE) so tests drive it against a local fake (tests/fake_razorpay.py).
"""

import dataclasses
import datetime as dt
import logging
from typing import Any

import razorpay
import razorpay.errors
import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

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
from kazan.billing.gateways.razorpay.events import (
    invoice_paid_at,
    subscription_charged,
    subscription_state,
)

logger = logging.getLogger("kazan.billing.razorpay")

DEFAULT_TIMEOUT_SECONDS = 20
# Razorpay's periods for our intervals, and how many cycles a subscription is created for:
# Razorpay needs a total_count; ten years is "until cancelled" in practice.
PERIODS = {"month": "monthly", "year": "yearly"}
TOTAL_COUNTS = {"month": 120, "year": 10}
# Razorpay limits: a receipt of 40 characters, notes of 15 keys with 256-character values.
RECEIPT_MAX = 40
NOTE_MAX = 256
# subscription_resume's error: Razorpay cannot withdraw a scheduled cancellation.
RESUME_UNSUPPORTED = "razorpay_resume_unsupported"
# checkout_start's error for a checkout that is not a package payment of billing's.
PLATFORM_ONLY = "razorpay_platform_only"


class _TimeoutSession(requests.Session):
    """The SDK passes no timeout; a slow Razorpay must not hang a worker."""

    def __init__(self, timeout: int) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(*args, **kwargs)


def order_outcome(order: dict[str, Any]) -> str | None:
    """ "paid" once Razorpay marks the order paid; None while attempts may still succeed
    (a failed attempt leaves the order open: the payer can retry in the same Checkout)."""
    return "paid" if order.get("status") == "paid" else None


def _notes(values: dict[str, str]) -> dict[str, str]:
    return {key: str(value)[:NOTE_MAX] for key, value in list(values.items())[:15]}


class RazorpayGateway:
    key = "razorpay"
    redirects = True
    # The upgrade form redirects to our own Checkout page (same origin): nothing to allow.
    checkout_origin = ""
    # That page is on the business dashboard: the platform's own sales only, never a checkout
    # for a business's customers (wallet, shop); gateway_keys(redirecting=True) leaves it out.
    customer_checkout = False
    prorates = True  # an immediate change is charged the difference by Razorpay
    # No customer portal: the payer manages the mandate through the link in Razorpay's email.
    portal_origin = ""

    def __init__(
        self,
        *,
        key_id: str,
        key_secret: str,
        api_base: str = "",
        timeout: int = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not key_id or not key_secret:
            raise ImproperlyConfigured(
                "The Razorpay gateway needs RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET."
            )
        options = {"base_url": api_base.rstrip("/")} if api_base else {}
        self.key_id = key_id
        self.client = razorpay.Client(
            session=_TimeoutSession(timeout), auth=(key_id, key_secret), **options
        )
        self.client.set_app_details({"title": "Kazan"})

    @classmethod
    def from_settings(cls) -> "RazorpayGateway":
        return cls(
            key_id=settings.RAZORPAY_KEY_ID,
            key_secret=settings.RAZORPAY_KEY_SECRET,
            api_base=settings.RAZORPAY_API_BASE,
        )

    def _call(self, doing: str, method: Any, *args: Any) -> dict[str, Any]:
        try:
            answer = method(*args)
        except (
            razorpay.errors.BadRequestError,
            razorpay.errors.GatewayError,
            razorpay.errors.ServerError,
            requests.RequestException,
            ValueError,  # a body that is not JSON (a proxy's error page)
        ) as exc:
            raise _gateway_error(exc, doing) from exc
        if not isinstance(answer, dict):
            raise GatewayError(f"Razorpay could not {doing} (not an object)", transient=True)
        return answer

    # --- one-off payments (PaymentGateway) -----------------------------------------------------

    def checkout_start(self, request: CheckoutRequest) -> CheckoutResult:
        if not request.package_key:
            raise GatewayError(
                "Razorpay takes the platform's own package payments only",
                code=PLATFORM_ONLY,
            )
        order = self._call(
            "create an order",
            self.client.order.create,
            {
                "amount": request.amount_minor,
                "currency": request.currency.upper(),
                # Razorpay keeps the receipt with the order: our idempotency key names the payment.
                "receipt": request.idempotency_key[:RECEIPT_MAX],
                # The caller's notes first: the keys the webhook routes by cannot be overwritten.
                "notes": _notes(
                    {
                        **request.metadata,
                        "payment_id": str(request.payment_id),
                        "business_id": str(request.business_id),
                        **({"package": request.package_key} if request.package_key else {}),
                    }
                ),
            },
        )
        if not order.get("id"):
            raise GatewayError(
                "Razorpay answered without an order id", code=BillingErrorCode.NO_SESSION
            )
        path = reverse("billing:razorpay_checkout", kwargs={"payment_id": request.payment_id})
        return CheckoutResult(reference=order["id"], redirect_url=f"{settings.PUBLIC_URL}{path}")

    def checkout_state(self, reference: str) -> CheckoutState | None:
        order = self._call("fetch an order", self.client.order.fetch, reference)
        paid = order_outcome(order) == "paid"
        amount = order.get("amount_paid") if paid else order.get("amount")
        return CheckoutState(
            reference=str(order.get("id") or reference),
            outcome=order_outcome(order),
            amount_minor=amount if isinstance(amount, int) else None,
            currency=str(order.get("currency") or "").upper(),
            gateway_status=str(order.get("status") or ""),
        )

    def order_payments(self, reference: str) -> list[dict[str, Any]]:
        """The payment attempts on an order (the Checkout page shows the last failure)."""
        answer = self._call("list an order's payments", self.client.order.payments, reference)
        items = answer.get("items")
        return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []

    def invoice_get(self, invoice_id: str) -> dict[str, Any]:
        """A subscription's invoice (a failed renewal's payment names only the invoice)."""
        return self._call("fetch an invoice", self.client.invoice.fetch, invoice_id)

    # --- recurring plans (SubscriptionGateway) -------------------------------------------------

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
        """A new Razorpay Plan: Razorpay plans cannot be changed, and the caller keeps the id
        (GatewayPlanPrice) per price and gross amount, so it asks once per amount."""
        if interval not in PERIODS:
            raise GatewayError(f"Razorpay has no period for {interval!r}", code="invalid_interval")
        plan = self._call(
            "create a plan",
            self.client.plan.create,
            {
                "period": PERIODS[interval],
                "interval": 1,
                "item": {
                    "name": plan_name,
                    "amount": amount_minor,
                    "currency": currency.upper(),
                    "description": f"Kazan {plan_name} ({interval})",
                },
                "notes": {"plan_key": plan_key, "plan_price_id": str(plan_price_id)},
            },
        )
        if not plan.get("id"):
            raise GatewayError("Razorpay answered without a plan id", code="no_plan")
        return str(plan["id"])

    def subscription_checkout_start(
        self, request: SubscriptionCheckoutRequest
    ) -> SubscriptionCheckoutResult:
        notes = _notes(
            {
                **request.metadata,
                "subscription_id": str(request.subscription_id),
                "business_id": str(request.business_id),
            }
        )
        customer_id = request.customer_id
        if not customer_id:
            customer = self._call(
                "create a customer",
                self.client.customer.create,
                {
                    "name": request.description[:50],
                    "email": request.customer_email,
                    # An existing customer with this email is returned instead of an error.
                    "fail_existing": "0",
                    "notes": notes,
                },
            )
            customer_id = str(customer.get("id") or "")
        params: dict[str, Any] = {
            "plan_id": request.price_id,
            "total_count": TOTAL_COUNTS.get(request.interval, TOTAL_COUNTS["month"]),
            "quantity": 1,
            "customer_notify": 1,
            "notes": notes,
        }
        if customer_id:
            params["customer_id"] = customer_id
        if request.trial_end is not None and request.trial_end > dt.datetime.now(dt.UTC):
            # The first charge when the trial ends; the payer only authorises now.
            params["start_at"] = int(request.trial_end.timestamp())
        subscription = self._call("create a subscription", self.client.subscription.create, params)
        if not subscription.get("id") or not subscription.get("short_url"):
            raise GatewayError(
                "Razorpay answered without a subscription id or short_url",
                code=BillingErrorCode.NO_SESSION,
            )
        return SubscriptionCheckoutResult(
            reference=subscription["id"],
            redirect_url=subscription["short_url"],
            gateway_subscription_id=subscription["id"],
            gateway_customer_id=customer_id,
        )

    def subscription_change(
        self,
        *,
        gateway_subscription_id: str,
        price_id: str,
        immediately: bool,
        idempotency_key: str,
    ) -> None:
        """Razorpay prorates an immediate change itself: an upgrade is charged the difference
        for the rest of the cycle at once (if that charge fails, nothing changes), a downgrade
        now would be refunded by a credit note; at "cycle_end" nothing is prorated. Razorpay
        has no idempotency keys: editing to the same plan twice is harmless."""
        self._call(
            "change a subscription",
            self.client.subscription.edit,
            gateway_subscription_id,
            {
                "plan_id": price_id,
                "quantity": 1,
                "schedule_change_at": "now" if immediately else "cycle_end",
                "customer_notify": 1,
            },
        )

    def subscription_cancel(self, *, gateway_subscription_id: str, at_period_end: bool) -> None:
        self._call(
            "cancel a subscription",
            self.client.subscription.cancel,
            gateway_subscription_id,
            {"cancel_at_cycle_end": 1 if at_period_end else 0},
        )

    def subscription_resume(self, *, gateway_subscription_id: str) -> None:
        """Razorpay cannot withdraw a cancellation: "Once cancelled, you cannot renew or
        reactivate it" (its /resume only ends a pause). The business subscribes again after
        the period's end instead."""
        raise GatewayError(
            "Razorpay cannot withdraw a cancellation scheduled for the cycle's end",
            code=RESUME_UNSUPPORTED,
        )

    def subscription_fetch(self, *, gateway_subscription_id: str) -> SubscriptionFetched:
        """The subscription as Razorpay holds it now, mapped as its subscription.* webhooks
        are, and its latest invoice when paid: the payment that paid it, mapped as
        subscription.charged is (reconciliation, when webhooks were lost). A latest invoice
        not paid adds nothing: the subscription's status (pending, halted) says past due."""
        subscription = self._call(
            "fetch a subscription", self.client.subscription.fetch, gateway_subscription_id
        )
        if (
            not isinstance(subscription, dict)
            or subscription.get("id") != gateway_subscription_id
            or not isinstance(subscription.get("status"), str)
        ):
            raise GatewayError("Razorpay answered without the subscription", code="no_subscription")
        state = subscription_state(
            subscription,
            event_id="",
            event_type="subscription.fetched",
            occurred_at=dt.datetime.now(dt.UTC),
            observed=True,
        )
        invoice = self._latest_paid_invoice(subscription)
        return SubscriptionFetched(
            state=dataclasses.replace(state, event_id=sync_event_id(state)),
            invoice=invoice
            and dataclasses.replace(invoice, event_id=sync_invoice_event_id(invoice)),
        )

    def _latest_paid_invoice(self, subscription: dict[str, Any]) -> SubscriptionEventData | None:
        """The subscription's newest invoice (Razorpay lists them newest first) as its
        subscription.charged is mapped, with the payment that paid it; None unless paid."""
        subscription_id = subscription["id"]
        listed = self._call(
            "list a subscription's invoices",
            self.client.invoice.all,
            {"subscription_id": subscription_id},
        )
        items = listed.get("items")
        invoices = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and item.get("subscription_id") == subscription_id
        ]
        if not invoices:
            return None
        latest = invoices[0]
        payment_id = latest.get("payment_id")
        if latest.get("status") != "paid" or not isinstance(payment_id, str) or not payment_id:
            return None
        payment = self._call("fetch a payment", self.client.payment.fetch, payment_id)
        if payment.get("id") != payment_id or payment.get("invoice_id") != latest.get("id"):
            raise GatewayError("Razorpay answered with another payment", code="no_payment")
        return subscription_charged(
            subscription,
            payment,
            event_id="",
            event_type="invoice.fetched",
            occurred_at=invoice_paid_at(latest),
            observed=True,
        )

    def portal_url(self, *, gateway_customer_id: str, return_url: str) -> str:
        """Razorpay has no customer portal: the payer manages the mandate through the link in
        Razorpay's emails."""
        return ""

    def payment_refund(
        self, *, payment_reference: str, amount_minor: int, idempotency_key: str
    ) -> str:
        refund = self._call(
            "refund a payment",
            self.client.payment.refund,
            payment_reference,
            {
                "amount": amount_minor,
                "speed": "normal",
                # Razorpay keeps the receipt with the refund: our key names the credit note.
                "receipt": idempotency_key[:RECEIPT_MAX],
                "notes": {"idempotency_key": idempotency_key[:NOTE_MAX]},
            },
        )
        if not refund.get("id"):
            raise GatewayError("Razorpay answered without a refund id", code="no_refund")
        return str(refund["id"])

    # --- signatures ----------------------------------------------------------------------------

    def checkout_signature_valid(
        self, *, payment_id: str, signature: str, order_id: str = "", subscription_id: str = ""
    ) -> bool:
        """Checkout's callback signature: HMAC-SHA256 with the key secret of "order_id|payment_id"
        (an order) or "payment_id|subscription_id" (a subscription), compared in constant time
        by the SDK. Anything not ASCII is refused before (compare_digest takes ASCII only)."""
        values = (payment_id, signature, order_id, subscription_id)
        if not all(value.isascii() for value in values) or not payment_id or not signature:
            return False
        try:
            if order_id:
                return bool(
                    self.client.utility.verify_payment_signature(
                        {
                            "razorpay_order_id": order_id,
                            "razorpay_payment_id": payment_id,
                            "razorpay_signature": signature,
                        }
                    )
                )
            if subscription_id:
                return bool(
                    self.client.utility.verify_subscription_payment_signature(
                        {
                            "razorpay_subscription_id": subscription_id,
                            "razorpay_payment_id": payment_id,
                            "razorpay_signature": signature,
                        }
                    )
                )
        except razorpay.errors.SignatureVerificationError:
            return False
        return False


def _gateway_error(exc: Exception, doing: str) -> GatewayError:
    # Razorpay's descriptions name the request's fields, not the payer: safe to log.
    if isinstance(exc, razorpay.errors.BadRequestError):
        code, transient = "BAD_REQUEST_ERROR", False
    elif isinstance(exc, razorpay.errors.GatewayError):
        code, transient = "GATEWAY_ERROR", True
    elif isinstance(exc, razorpay.errors.ServerError):
        code, transient = "SERVER_ERROR", True
    else:
        code, transient = type(exc).__name__, True
    logger.warning("razorpay could not %s: %s %.200s", doing, code, exc)
    return GatewayError(f"Razorpay could not {doing} ({code})", code=code, transient=transient)

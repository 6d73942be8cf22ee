"""OxaPay crypto invoices over its v1 REST API (https://docs.oxapay.com), with `requests`.

    POST {OXAPAY_API_URL}/v1/payment/invoice     header merchant_api_key, JSON
         {amount, currency, lifetime, fee_paid_by_payer, under_paid_coverage, callback_url,
          return_url, order_id, description, sandbox}
    200  {"data": {"track_id", "payment_url", "expired_at", "date"}, "message", "error": {},
          "status": 200, "version"}
    GET  {OXAPAY_API_URL}/v1/payment/{track_id}  header merchant_api_key
    200  {"data": {"track_id", "status", "amount", "currency", "order_id", "txs", …}, …}
    4xx/5xx {"data": {}, "message", "error": {"type", "key", "message"}, "status", "version"}

The merchant key is the business's own (billing's GatewayAccount) for the business's own sales
(metadata kind "wallet" or "order") when it saved one, else the platform's
OXAPAY_MERCHANT_API_KEY (always for what the business pays the platform: SMS packages); each
checkout records which (GatewayCheckout), so the payment-information call and the callback
check use the same key. OxaPay has no idempotency
key: a call is never retried automatically (a retry could open a second invoice).
"""

import logging
from decimal import Decimal, InvalidOperation
from typing import Any

import requests
from django.conf import settings
from django.urls import reverse

from kazan.billing.gateways import CheckoutRequest, CheckoutResult, CheckoutState, GatewayError
from kazan.billing.models import GatewayAccount
from kazan.billing.queries import gateway_account_for, gateway_checkout_get
from kazan.billing.services.accounts import gateway_checkout_record
from kazan.core.money import minor_digits

logger = logging.getLogger("kazan.billing.oxapay")

GATEWAY = "oxapay"
KEY_HEADER = "merchant_api_key"
KEY_FIELD = "merchant_api_key"  # the credential field of a business's own account
# CheckoutRequest.metadata["kind"] of the business's own sales: only these use its own account.
BUSINESS_SALE_KINDS = frozenset({"wallet", "order"})

# OxaPay's payment statuses (v1 "Payment Status Table"; callbacks capitalise them: "Paid",
# and the legacy API's "Confirming"/"Failed" may still arrive) → our outcome. None: still open
# (new, waiting: nothing paid yet; confirming, paying, underpaid: money is on its way).
_OUTCOMES: dict[str, str | None] = {
    "new": None,
    "waiting": None,
    "confirming": None,
    "paying": None,
    "underpaid": None,
    "paid": "paid",
    "manual_accept": "paid",
    "expired": "expired",
    "failed": "failed",
    "refunding": "cancelled",
    "refunded": "cancelled",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}


def status_outcome(status: str) -> str | None:
    """OxaPay's status → "paid" / "failed" / "cancelled" / "expired", or None (in progress or
    unknown: nothing final happens on a word we do not know)."""
    return _OUTCOMES.get(status.strip().lower().replace(" ", "_"))


def amount_to_minor(amount: object, currency: str) -> int | None:
    """OxaPay's decimal amount (a JSON number or string) → minor units; None when it is not an
    exact amount of the currency's minor unit."""
    if isinstance(amount, bool) or not isinstance(amount, int | float | str):
        return None
    try:
        value = Decimal(str(amount)).scaleb(minor_digits(currency))
    except InvalidOperation:
        return None
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        return None
    return int(value)


def amount_from_minor(amount_minor: int, currency: str) -> float:
    # A JSON number as OxaPay documents it; two decimals are exact enough in a float's repr.
    return float(Decimal(amount_minor).scaleb(-minor_digits(currency)))


class OxaPayGateway:
    key = GATEWAY
    redirects = True
    # Where the payer is redirected (the dashboard's CSP form-action allows it).
    checkout_origin = "https://pay.oxapay.com"
    account_fields = (KEY_FIELD,)

    def __init__(
        self,
        *,
        api_url: str,
        platform_key: str,
        sandbox: bool = False,
        timeout: float = 15.0,
        lifetime_minutes: int = 60,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.platform_key = platform_key
        self.sandbox = sandbox
        self.timeout = timeout
        self.lifetime_minutes = lifetime_minutes

    @classmethod
    def from_settings(cls) -> "OxaPayGateway":
        # No ImproperlyConfigured without a platform key: businesses may bring their own.
        return cls(
            api_url=settings.OXAPAY_API_URL,
            platform_key=settings.OXAPAY_MERCHANT_API_KEY,
            sandbox=settings.OXAPAY_SANDBOX,
            timeout=settings.OXAPAY_TIMEOUT_SECONDS,
            lifetime_minutes=settings.OXAPAY_INVOICE_LIFETIME_MINUTES,
        )

    # -- the interface ---------------------------------------------------------------------------

    def checkout_start(self, request: CheckoutRequest) -> CheckoutResult:
        # The business's own account takes only its own sales (wallet top-ups, orders); what the
        # business pays the platform (SMS packages) goes to the platform's key.
        account = (
            gateway_account_for(business_id=request.business_id, gateway=GATEWAY)
            if request.metadata.get("kind") in BUSINESS_SALE_KINDS
            else None
        )
        key = account.credential(KEY_FIELD) if account is not None else self.platform_key
        if not key:
            raise GatewayError("OxaPay has no merchant API key configured", code="not_configured")
        body: dict[str, Any] = {
            "amount": amount_from_minor(request.amount_minor, request.currency),
            "currency": request.currency.upper(),
            "lifetime": request.lifetime_minutes or self.lifetime_minutes,
            # The payer sees the price; OxaPay's fee is the merchant's, and an underpaid
            # invoice is never "paid": the amount credited is the amount asked.
            "fee_paid_by_payer": 0,
            "under_paid_coverage": 0,
            "callback_url": callback_url(account),
            "return_url": request.success_url,
            # Stable per payment; OxaPay shows it in its panel next to the track id.
            "order_id": request.idempotency_key[:100],
            "description": request.description[:200],
            "sandbox": self.sandbox,
        }
        data = self._call("POST", "/v1/payment/invoice", key=key, json=body, doing="create")
        track_id, payment_url = data.get("track_id"), data.get("payment_url")
        if not track_id or not isinstance(payment_url, str) or not payment_url:
            raise GatewayError(
                "OxaPay answered without a track id or payment URL", code="no_invoice"
            )
        reference = str(track_id)
        gateway_checkout_record(
            gateway=GATEWAY,
            reference=reference,
            business_id=request.business_id,
            account=account,
            lifetime_minutes=body["lifetime"],
        )
        return CheckoutResult(reference=reference, redirect_url=payment_url)

    def checkout_state(self, reference: str) -> CheckoutState | None:
        key = self.reference_key(reference)
        if not key:
            return None
        data = self._call("GET", f"/v1/payment/{reference}", key=key, doing="read")
        status = str(data.get("status") or "")
        currency = str(data.get("currency") or "").upper()
        return CheckoutState(
            reference=str(data.get("track_id") or reference),
            outcome=status_outcome(status),
            amount_minor=amount_to_minor(data.get("amount"), currency),
            currency=currency,
            gateway_status=status,
        )

    # -- helpers ---------------------------------------------------------------------------------

    def reference_key(self, reference: str) -> str:
        """The merchant key the checkout `reference` was opened with ("" when unknown)."""
        checkout = gateway_checkout_get(gateway=GATEWAY, reference=reference)
        if checkout is not None and checkout.account is not None:
            return checkout.account.credential(KEY_FIELD)
        return self.platform_key

    def _call(
        self, method: str, path: str, *, key: str, doing: str, json: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        try:
            response = requests.request(
                method,
                f"{self.api_url}{path}",
                json=json,
                headers={KEY_HEADER: key, "Accept": "application/json"},
                timeout=self.timeout,
            )
        except requests.RequestException as exc:
            logger.warning("oxapay could not %s: %s", doing, type(exc).__name__)
            raise GatewayError(
                f"OxaPay could not be reached ({doing})", code="unreachable", transient=True
            ) from exc
        try:
            answer = response.json()
        except ValueError:
            answer = None
        payload: dict[str, Any] = answer if isinstance(answer, dict) else {}
        error: dict[str, Any] = payload["error"] if isinstance(payload.get("error"), dict) else {}
        body_status = payload.get("status")
        if response.status_code != 200 or error or (body_status not in (None, 200)):
            # OxaPay's error key and type name the request's problem, never the payer.
            code = str(error.get("key") or error.get("type") or f"http_{response.status_code}")
            logger.warning(
                "oxapay could not %s: status=%s code=%.60s", doing, response.status_code, code
            )
            raise GatewayError(
                f"OxaPay could not {doing} the invoice ({code:.60})",
                code=code[:60],
                transient=response.status_code >= 500,
            )
        data = payload.get("data")
        if not isinstance(data, dict):
            raise GatewayError("OxaPay answered without data", code="no_data")
        return data


def callback_url(account: GatewayAccount | None) -> str:
    """Where OxaPay posts the callbacks of invoices made with `account` (None: the platform's
    key): each account has its own URL, so the view knows the key before reading the body."""
    if account is None:
        path = reverse("billing_hooks:oxapay")
    else:
        path = reverse("billing_hooks:oxapay_account", kwargs={"hook_key": account.hook_key})
    return f"{settings.PUBLIC_URL}{path}"

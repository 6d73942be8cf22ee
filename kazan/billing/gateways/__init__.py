"""Payment gateways: small plugins behind one interface, found by key.

A gateway starts a checkout for a pending payment and answers with the gateway's reference for it
and, where the customer pays on the gateway's page, the URL to send them to. Completion arrives
later (a signed webhook, or platform staff confirming a manual payment) and goes through
billing.services, never through the gateway object.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class CheckoutRequest:
    payment_id: int
    business_id: int
    package_key: str
    description: str  # what the customer sees on the gateway's page
    amount_minor: int
    currency: str  # ISO 4217, upper case
    success_url: str
    cancel_url: str
    # Stable per payment, so a retried call after a timeout does not open a second checkout.
    idempotency_key: str
    # More for the gateway to keep with the checkout (commerce: {"order_id": …}); a checkout
    # that is not a package purchase leaves package_key "".
    metadata: dict[str, str] = field(default_factory=dict)
    # How long the payer has, where the gateway lets the caller choose; None: its own default.
    lifetime_minutes: int | None = None


@dataclass(frozen=True)
class CheckoutResult:
    reference: str  # the gateway's id for this checkout; "" when it has none (manual)
    redirect_url: str  # where the payer goes next; "" when nobody is redirected (manual)


@dataclass(frozen=True)
class CheckoutState:
    """What the gateway says about a checkout when asked (the return page reconciles with it)."""

    reference: str
    outcome: str | None  # "paid", "failed", "cancelled", "expired" or None (still open)
    amount_minor: int | None
    currency: str
    # The gateway's own word for the state, as it said it ("Paying", "complete"): shown by
    # reconciliation; "" when the gateway gives none.
    gateway_status: str = ""


class GatewayError(Exception):
    """The gateway refused or could not be reached. `message` is safe to log (no PII).
    `transient`: it could not be reached or failed on its side (5xx): asking later may help."""

    def __init__(self, message: str, *, code: str = "", transient: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.transient = transient


@runtime_checkable
class PaymentGateway(Protocol):
    key: str
    # True when the payer is sent to the gateway's own page (the upgrade dialog then redirects).
    redirects: bool

    def checkout_start(self, request: CheckoutRequest) -> CheckoutResult: ...

    def checkout_state(self, reference: str) -> CheckoutState | None:
        """The gateway's current word on a checkout; None when it cannot tell."""
        ...


# --- recurring plans (seed 003 Task 2): gateways that can hold a subscription -----------------


@dataclass(frozen=True)
class InvoiceLineData:
    """One line of an invoice as a gateway or our own renewal states it."""

    description: str
    amount_minor: int  # negative for a credit (unused time on the old plan)
    quantity: int = 1
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None


@dataclass(frozen=True)
class SubscriptionCheckoutRequest:
    subscription_id: int  # ours (PlanSubscription.pk); travels in the gateway's metadata/notes
    business_id: int
    plan_key: str
    interval: str  # "month" | "year"
    price_id: str  # the gateway's price object (from price_ensure)
    amount_minor: int  # gross per interval: what the gateway charges
    currency: str
    description: str
    customer_id: str  # the gateway customer we already have; "" lets the gateway make one
    customer_email: str
    success_url: str
    cancel_url: str
    idempotency_key: str
    trial_end: dt.datetime | None = None  # keep what is left of the trial free
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubscriptionCheckoutResult:
    reference: str  # Stripe: the Checkout Session id; Razorpay: the subscription id
    redirect_url: str  # where the payer goes to authorise the card or mandate
    gateway_subscription_id: str = ""  # known at once (Razorpay); Stripe's comes by webhook
    gateway_customer_id: str = ""


@dataclass(frozen=True)
class SubscriptionEventData:
    """A verified gateway webhook about a subscription or its invoice, in our words. Parsed by
    the gateway's webhook module, applied once by billing.services (deduplicated on event_id)."""

    gateway: str
    event_id: str
    event_type: str  # the gateway's own name ("invoice.paid", "subscription.charged")
    # "subscription": a state update; "invoice_paid"; "invoice_failed".
    kind: str
    gateway_subscription_id: str
    gateway_customer_id: str = ""
    local_subscription_id: int | None = None  # from the metadata/notes we sent
    # For "subscription": "trialing", "active", "past_due", "cancelled", "incomplete", "paused".
    status: str | None = None
    price_id: str = ""
    current_period_start: dt.datetime | None = None
    current_period_end: dt.datetime | None = None
    cancel_at_period_end: bool | None = None
    # For invoices: the gateway's invoice id, the charge/payment id (refunds name it), amounts.
    gateway_invoice_id: str = ""
    payment_reference: str = ""
    amount_minor: int | None = None  # paid (invoice_paid) or due (invoice_failed), gross
    currency: str = ""
    # "subscription_create", "subscription_cycle", "subscription_update" (proration), "manual"
    billing_reason: str = ""
    lines: tuple[InvoiceLineData, ...] = ()
    attempt_count: int | None = None
    next_attempt_at: dt.datetime | None = None
    occurred_at: dt.datetime | None = None
    # True for what reconciliation fetched (subscription_fetch: the state, the latest invoice),
    # not one of the gateway's events: it is never the newest gateway event (gateway_event_at),
    # so an event made before it and delivered after it is still applied as it would have been.
    observed: bool = False


@runtime_checkable
class SubscriptionGateway(Protocol):
    """A gateway that holds a recurring plan subscription (Stripe Billing, Razorpay)."""

    key: str
    # True when the gateway prorates an immediate change and charges it itself; else the
    # lifecycle invoices the proration.
    prorates: bool
    # The origin of the gateway's customer portal (billing:portal redirects there, the CSP
    # allows it); "" when the gateway has none.
    portal_origin: str

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
        """The gateway's price object charging `amount_minor` (gross) per interval, made if
        needed; returns its id (the caller keeps it in GatewayPlanPrice)."""
        ...

    def subscription_checkout_start(
        self, request: SubscriptionCheckoutRequest
    ) -> SubscriptionCheckoutResult: ...

    def subscription_change(
        self,
        *,
        gateway_subscription_id: str,
        price_id: str,
        immediately: bool,
        idempotency_key: str,
    ) -> None:
        """immediately: an upgrade, prorated and charged now; else from the next period on,
        without proration (a downgrade)."""
        ...

    def subscription_cancel(self, *, gateway_subscription_id: str, at_period_end: bool) -> None: ...

    def subscription_resume(self, *, gateway_subscription_id: str) -> None:
        """Withdraws a cancellation scheduled for the period's end."""
        ...

    def portal_url(self, *, gateway_customer_id: str, return_url: str) -> str:
        """Where the business changes its card or cancels; "" when the gateway has none."""
        ...

    def subscription_fetch(self, *, gateway_subscription_id: str) -> "SubscriptionFetched":
        """The subscription's current state at the gateway and its latest invoice's outcome,
        mapped as the gateway's webhooks are (reconciliation applies them when webhooks were
        lost). Raises GatewayError (transient: unreachable)."""
        ...

    def payment_refund(
        self, *, payment_reference: str, amount_minor: int, idempotency_key: str
    ) -> str:
        """Refunds (part of) a payment; returns the gateway's refund id."""
        ...


def sync_event_id(event: SubscriptionEventData) -> str:
    """The event id of a fetched state: "sync:<subscription id>:<hash of the state>". No
    gateway's webhook id starts with "sync:", and the same state fetched again has the same id,
    so applying it twice is a duplicate."""
    state = "|".join(
        str(value)
        for value in (
            event.status,
            event.price_id,
            event.current_period_start and event.current_period_start.isoformat(),
            event.current_period_end and event.current_period_end.isoformat(),
            event.cancel_at_period_end,
            event.gateway_customer_id,
            event.local_subscription_id,
        )
    )
    digest = hashlib.sha256(state.encode()).hexdigest()[:32]
    return f"sync:{event.gateway_subscription_id}:{digest}"[:255]


def sync_invoice_event_id(event: SubscriptionEventData) -> str:
    """The event id of a fetched invoice outcome: "sync:<subscription id>:<invoice id>:<kind>".
    The same invoice fetched again is a duplicate; the gateway's own webhook for the invoice has
    another id and is kept from applying it twice by the gateway invoice id (plan_events: an
    invoice recorded already is "ignored")."""
    return f"sync:{event.gateway_subscription_id}:{event.gateway_invoice_id}:{event.kind}"[:255]


@dataclass(frozen=True)
class SubscriptionFetched:
    """What SubscriptionGateway.subscription_fetch answers, applied in this order:
    - state: the subscription as a kind="subscription" event, occurred_at now, event_id
      sync_event_id's (never a webhook's; the same state again is a duplicate);
    - invoice: its latest invoice's outcome when it was paid, as the gateway's invoice webhook
      is mapped (kind="invoice_paid", occurred_at when it was paid, event_id
      sync_invoice_event_id's); None when the gateway has no paid latest invoice.
    Both are observed=True."""

    state: SubscriptionEventData
    invoice: SubscriptionEventData | None = None

    @property
    def events(self) -> tuple[SubscriptionEventData, ...]:
        return (self.state,) if self.invoice is None else (self.state, self.invoice)


_registry: dict[str, Callable[[], PaymentGateway]] = {}
# Gateways a business may connect its own merchant account to: the credential fields it needs.
_account_fields: dict[str, tuple[str, ...]] = {}


def gateway_register(
    key: str, factory: Callable[[], PaymentGateway], *, account_fields: tuple[str, ...] = ()
) -> None:
    _registry[key] = factory
    if account_fields:
        _account_fields[key] = account_fields


def gateway_account_fields(key: str) -> tuple[str, ...]:
    """The credentials a business's own account at `key` needs; () when it cannot have one."""
    _builtin_load()
    return _account_fields.get(key, ())


def gateway_keys(*, redirecting: bool = False) -> list[str]:
    """The registered gateways; `redirecting`: only those with a payment page of their own
    (a customer can pay there; the manual gateway has none)."""
    _builtin_load()
    return sorted(key for key in _registry if not redirecting or _redirects(_registry[key]))


def _redirects(factory: Callable[[], PaymentGateway]) -> bool:
    # The factory is the class or its from_settings: read the class attribute, build nothing.
    owner = getattr(factory, "__self__", factory)
    # customer_checkout False: its page is the business dashboard's (Razorpay), not a customer's.
    return bool(getattr(owner, "redirects", True)) and bool(
        getattr(owner, "customer_checkout", True)
    )


def gateway_get(key: str | None = None) -> PaymentGateway:
    """The gateway named by `key`, or by settings.PAYMENT_GATEWAY ("manual" by default)."""
    _builtin_load()
    key = key or settings.PAYMENT_GATEWAY
    try:
        factory = _registry[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown payment gateway {key!r}; known: {', '.join(sorted(_registry))}"
        ) from None
    return factory()


def subscription_gateway_get(key: str) -> SubscriptionGateway:
    """The gateway named `key`, when it can hold a recurring plan subscription."""
    gateway = gateway_get(key)
    if not isinstance(gateway, SubscriptionGateway):
        raise ImproperlyConfigured(f"The payment gateway {key!r} cannot hold a subscription.")
    return gateway


def _builtin_load() -> None:
    # Importing a gateway package registers it; lazily, so this module stays import-light.
    from kazan.billing.gateways import manual, oxapay, razorpay, stripe  # noqa: F401

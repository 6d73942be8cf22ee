"""Payment gateways: small plugins behind one interface, found by key.

A gateway starts a checkout for a pending payment and answers with the gateway's reference for it
and, where the customer pays on the gateway's page, the URL to send them to. Completion arrives
later (a signed webhook, or platform staff confirming a manual payment) and goes through
billing.services, never through the gateway object.
"""

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
    return bool(getattr(owner, "redirects", True))


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


def _builtin_load() -> None:
    # Importing a gateway package registers it; lazily, so this module stays import-light.
    from kazan.billing.gateways import manual, oxapay, stripe  # noqa: F401

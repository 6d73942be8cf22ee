"""The SMS provider interface: what the outbox asks of any SMS service, and how it answers.

A provider is a small plugin with a `key`, built from settings, that sends one SMS and either
returns the provider's id for it or raises one of two errors. The outbox decides what an error
means for the message: a *transient* error is retried later with the same idempotency key, a
*permanent* one fails the message and refunds its credits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SmsRequest:
    to: str  # E.164
    body: str
    # The sender; "" lets the provider use its configured default (number or messaging service).
    from_: str
    # Unique per message and stable across retries, so a re-send after a crash is not a 2nd SMS.
    idempotency_key: str
    # Where the provider reports delivery; "" when the provider has no status callbacks.
    status_callback_url: str = ""


@dataclass(frozen=True)
class SmsResult:
    provider_message_id: str
    # The provider's own word for the state after accepting: "queued", "accepted", "sent",
    # or "delivered" when the provider knows at once (the console provider).
    status: str


class ProviderError(Exception):
    """A send that did not succeed. `code` is the provider's error code (or an HTTP status)."""

    def __init__(self, message: str, *, code: str = "") -> None:
        super().__init__(message)
        self.code = str(code)
        self.message = message


class TransientProviderError(ProviderError):
    """Try again later: rate limits, provider outages, network failures, timeouts."""


class PermanentProviderError(ProviderError):
    """Trying again cannot help: an invalid or unsubscribed number, a rejected body."""


@runtime_checkable
class SmsProvider(Protocol):
    key: str

    def send(self, request: SmsRequest) -> SmsResult:
        """Send one SMS. Raises TransientProviderError or PermanentProviderError."""
        ...


# key -> a factory that builds a configured provider from settings.
_registry: dict[str, Callable[[], SmsProvider]] = {}


def sms_provider_register(key: str, factory: Callable[[], SmsProvider]) -> None:
    _registry[key] = factory


def sms_provider_keys() -> list[str]:
    _builtin_load()
    return sorted(_registry)


def sms_provider(key: str | None = None) -> SmsProvider:
    """The provider named by `key`, or by settings.SMS_PROVIDER ("console" by default)."""
    _builtin_load()
    key = key or settings.SMS_PROVIDER
    try:
        factory = _registry[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown SMS provider {key!r}; known: {', '.join(sorted(_registry))}"
        ) from None
    return factory()


def _builtin_load() -> None:
    # Importing a provider package registers it; done lazily so this module stays import-light.
    from kazan.channels.providers import console, twilio  # noqa: F401

"""What the outbox asks of any channel transport: capabilities, a renderer, a sender.

A transport (`Transport`) describes one provider of one channel: its key, the channel it serves,
its capabilities, a renderer (the channel-neutral payload {"replies": [...]} -> what the channel
sends) and, where it has one, a sender. The outbox calls it, so the interface lives here; the
channels app implements it (a `ChannelPlugin` adds inbound parsing and installation steps) and
registers its plugins when it starts (registry.py).

A sender sends one message and either returns the provider's id for it or raises one of two
errors. The outbox decides what an error means for the message: a *transient* error is retried
later with the same idempotency key, a *permanent* one fails the message and refunds its credits.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise


@dataclass(frozen=True)
class Capabilities:
    """What a channel can show; renderers and the outbox's validation keep within it."""

    max_text_length: int
    buttons: bool = False
    max_buttons: int = 0
    max_button_label: int = 0
    lists: bool = False
    max_list_rows: int = 0
    images: bool = False
    templates: bool = False
    typing: bool = False
    read_receipts: bool = False
    # Hours after the customer's last message in which free-form messages may be sent
    # (WhatsApp: 24); None: no window.
    service_window_hours: int | None = None
    # Whether a message costs the business SMS credits (counted in segments).
    costs_credits: bool = False
    # Answers travel in the HTTP response of the customer's request (the web chat): no sender.
    inline: bool = False


@dataclass(frozen=True)
class SmsRequest:
    to: str  # E.164 (the channel's handle)
    body: str  # what the channel sends, rendered by the transport's renderer
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
    """Try again later: rate limits, provider outages, network failures, timeouts.
    `retry_after`: the provider said when (Telegram's 429 `retry_after`, in seconds); the
    outbox then retries no earlier than that instead of its own backoff."""

    def __init__(self, message: str, *, code: str = "", retry_after: float | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    """Trying again cannot help: an invalid or unsubscribed number, a rejected body."""


@runtime_checkable
class SmsProvider(Protocol):
    key: str

    def send(self, request: SmsRequest) -> SmsResult:
        """Send one message. Raises TransientProviderError or PermanentProviderError."""
        ...


@dataclass(frozen=True)
class Transport:
    key: str
    channel: str
    label: "str | Promise"
    capabilities: Capabilities
    # payload {"replies": [...]} -> what the channel sends (SMS: one text, the web chat: replies).
    render: Callable[[dict[str, Any]], Any]
    # An installation's id (None: the platform default from settings) -> a sender. The
    # implementation loads the installation's credentials itself: they never reach the outbox.
    sender: Callable[[int | None], SmsProvider] | None = None

    def sender_build(self, installation_id: int | None = None) -> SmsProvider:
        if self.sender is None:
            raise ImproperlyConfigured(f"The {self.key} channel answers inline: it has no sender.")
        return self.sender(installation_id)

"""Channel adapters as plugins: what the outbox and the webhooks ask of any channel provider.

A plugin (`ChannelPlugin`, one folder per provider under channels/providers/) describes one
provider of one channel: its key, the channel it serves, its capabilities, a renderer (the
channel-neutral payload {"replies": [...]} -> what the channel sends), and where it has them a
sender (built from a business's installation credentials, or from settings for the platform
default), a parser of its signed inbound payloads, and the connect/test steps of an
installation. Plugins register themselves by key when their package is imported.

A sender sends one message and either returns the provider's id for it or raises one of two
errors. The outbox decides what an error means for the message: a *transient* error is retried
later with the same idempotency key, a *permanent* one fails the message and refunds its credits.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


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
    body: str  # what the channel sends, rendered by the plugin's renderer
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


@dataclass(frozen=True)
class InboundMessage:
    """One inbound message as the engine needs it, whatever the provider's format."""

    provider_message_id: str
    sender: str  # the customer's handle (E.164 for SMS)
    recipient: str  # the address written to (our number, the bot)
    text: str
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Connection:
    """A validated connect form: secrets (stored encrypted, never shown again), what may be
    shown, and the address customers write to (blind-indexed for inbound routing)."""

    credentials: dict
    config: dict
    address: str


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
        """Send one message. Raises TransientProviderError or PermanentProviderError."""
        ...


@dataclass(frozen=True)
class ChannelPlugin:
    key: str
    channel: str
    label: str
    capabilities: Capabilities
    # payload {"replies": [...]} -> what the channel sends (SMS: one text).
    render: Callable[[dict], Any]
    # credentials of an installation (None: the platform default from settings) -> a sender.
    sender: Callable[[dict | None], SmsProvider] | None = None
    # verified webhook parameters -> normalized inbound messages.
    parse: Callable[[Mapping[str, str]], list[InboundMessage]] | None = None
    # The connect form of an installation (a django Form with `connection() -> Connection`).
    connect_form: type | None = None
    # credentials -> None when the provider accepts them; raises ProviderError otherwise.
    test: Callable[[dict], None] | None = None

    @property
    def installable(self) -> bool:
        return self.connect_form is not None

    def sender_build(self, credentials: dict | None = None) -> SmsProvider:
        if self.sender is None:
            raise ImproperlyConfigured(f"The {self.key} channel answers inline: it has no sender.")
        return self.sender(credentials)


_registry: dict[str, ChannelPlugin] = {}


def plugin_register(plugin: ChannelPlugin) -> None:
    _registry[plugin.key] = plugin


def plugins() -> list[ChannelPlugin]:
    _builtin_load()
    return [_registry[key] for key in sorted(_registry)]


def plugin(key: str) -> ChannelPlugin:
    _builtin_load()
    try:
        return _registry[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown channel provider {key!r}; known: {', '.join(sorted(_registry))}"
        ) from None


def channel_default(channel: str) -> ChannelPlugin | None:
    """The platform's own provider of a channel (a business without an installation uses it):
    SMS: settings.SMS_PROVIDER; another channel: the plugin keyed by the channel's name, if
    any (the web chat). None: the channel needs a business's own installation."""
    _builtin_load()
    if channel == "sms":
        return plugin(settings.SMS_PROVIDER)
    found = _registry.get(channel)
    return found if found is not None and found.channel == channel else None


def channel_plugins(channel: str) -> list[ChannelPlugin]:
    return [p for p in plugins() if p.channel == channel]


def channels_known() -> set[str]:
    return {p.channel for p in plugins()}


def sms_provider_keys() -> list[str]:
    return [p.key for p in channel_plugins("sms")]


def sms_provider(key: str | None = None) -> SmsProvider:
    """The platform's SMS sender named by `key`, or by settings.SMS_PROVIDER ("console")."""
    return plugin(key or settings.SMS_PROVIDER).sender_build(None)


def _builtin_load() -> None:
    # Importing a provider package registers it; done lazily so this module stays import-light.
    from kazan.channels.providers import console, twilio, web  # noqa: F401

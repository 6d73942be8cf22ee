"""The transports by key, and the business installations they send through.

Both are filled by the channels app when it starts (`ChannelsConfig.ready()`): messaging sits
below channels, so it names neither its plugins nor its installation table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from kazan.messaging.transports.base import SmsProvider, Transport

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

_registry: dict[str, Transport] = {}


def transport_register(transport: Transport) -> None:
    _registry[transport.key] = transport


def transports() -> list[Transport]:
    return [_registry[key] for key in sorted(_registry)]


def transport(key: str) -> Transport:
    try:
        return _registry[key]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown channel provider {key!r}; known: {', '.join(sorted(_registry))}"
        ) from None


def channel_default(channel: str) -> Transport | None:
    """The platform's own transport of a channel (a business without an installation uses it):
    SMS: settings.SMS_PROVIDER; another channel: the transport keyed by the channel's name, if
    any, when it answers inline (the web chat, the widget). None: the channel needs a business's
    own installation (WhatsApp: its plugin is keyed "whatsapp" but sends through a business's
    number only)."""
    if channel == "sms":
        return transport(settings.SMS_PROVIDER)
    found = _registry.get(channel)
    inline = found is not None and found.channel == channel and found.capabilities.inline
    return found if inline else None


def channel_transports(channel: str) -> list[Transport]:
    return [t for t in transports() if t.channel == channel]


def channels_known() -> set[str]:
    return {t.channel for t in transports()}


def sms_provider_keys() -> list[str]:
    return [t.key for t in channel_transports("sms")]


def sms_provider(key: str | None = None) -> SmsProvider:
    """The platform's SMS sender named by `key`, or by settings.SMS_PROVIDER ("console")."""
    return transport(key or settings.SMS_PROVIDER).sender_build(None)


# --- installations -------------------------------------------------------------------------


class Installation(Protocol):
    """A business's own connection to a provider, as the outbox needs it (channels owns it)."""

    @property
    def pk(self) -> int: ...

    @property
    def business_id(self) -> int: ...

    @property
    def channel(self) -> str: ...

    @property
    def provider(self) -> str: ...

    @property
    def is_active(self) -> bool: ...


@dataclass(frozen=True)
class InstallationDirectory:
    # (business, channel) -> the business's connected installation of it; None: the default.
    active: Callable[["Business", str], Installation | None]
    # an installation's id -> the installation (connected or not); None: it is gone.
    get: Callable[[int], Installation | None]


_directory: InstallationDirectory | None = None


def installations_register(directory: InstallationDirectory) -> None:
    global _directory
    _directory = directory


def installation_active(*, business: "Business", channel: str) -> Installation | None:
    """The business's connected installation of `channel`; None: the platform default."""
    return _directory.active(business, channel) if _directory is not None else None


def installation_get(installation_id: int) -> Installation | None:
    return _directory.get(installation_id) if _directory is not None else None

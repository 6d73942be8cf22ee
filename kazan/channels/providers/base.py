"""Channel adapters as plugins: one folder per provider under channels/providers/.

A plugin is a transport of the outbox (`kazan.messaging.transports`: capabilities, renderer,
sender) plus what only the channels app asks of a provider: a parser of its signed inbound
payloads and the connect/test steps of a business's installation. `ChannelsConfig.ready()`
registers the plugins with the outbox's registry; `plugin()` reads them back as plugins.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from kazan.core.errors import ValidationFailed
from kazan.customers.phones import phone_normalize
from kazan.messaging.transports import Transport, transport, transports

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class InboundMessage:
    """One inbound message as the engine needs it, whatever the provider's format."""

    provider_message_id: str
    sender: str  # the customer's handle (E.164 for SMS)
    recipient: str  # the address written to (our number, the bot)
    text: str
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Connection:
    """A validated connect form: secrets (stored encrypted, never shown again), what may be
    shown, and the address customers write to (blind-indexed for inbound routing)."""

    credentials: dict[str, str]
    config: dict[str, Any]
    address: str


class ConnectForm(forms.Form):
    """The fields a business fills in to connect its own account of a provider."""

    def connection(self) -> Connection:
        """Each provider's form overrides this: the cleaned fields as a Connection."""
        raise NotImplementedError

    def cleaned_matching(
        self, name: str, pattern: re.Pattern[str], message: "StrOrPromise", *, required: bool = True
    ) -> str:
        """The stripped field when it has the provider's shape (empty is fine when optional)."""
        value: str = (self.cleaned_data.get(name) or "").strip()
        if (value or required) and not pattern.match(value):
            raise forms.ValidationError(message)
        return value

    def cleaned_phone(self, name: str, example: str) -> str:
        """The optional field as an international number (E.164), or empty."""
        value: str = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return ""
        try:
            return phone_normalize(value, region="")
        except ValidationFailed:
            raise forms.ValidationError(
                _("Enter the number in international format, e.g. %(example)s.")
                % {"example": example}
            ) from None


@dataclass(frozen=True)
class ChannelPlugin(Transport):
    # verified webhook parameters -> normalized inbound messages.
    parse: Callable[[Mapping[str, str]], list[InboundMessage]] | None = None
    # The connect form of an installation; None: nothing to connect (the platform's own).
    connect_form: type[ConnectForm] | None = None
    # credentials -> None when the provider accepts them; raises ProviderError otherwise.
    test: Callable[[dict[str, str]], None] | None = None
    # Provider calls before a new installation is saved (Telegram: getMe, setWebhook); returns
    # the connection to save, raises ProviderError to refuse it. Outside any transaction.
    prepare: Callable[[Connection], Connection] | None = None
    # A disconnected installation's credentials -> the provider told to stop (Telegram:
    # deleteWebhook); after the commit, best effort.
    release: Callable[[dict[str, str]], None] | None = None

    @property
    def installable(self) -> bool:
        return self.connect_form is not None


def plugin(key: str) -> ChannelPlugin:
    found = transport(key)
    if not isinstance(found, ChannelPlugin):
        raise ImproperlyConfigured(f"The {key!r} transport is not a channel plugin.")
    return found


def plugins() -> list[ChannelPlugin]:
    return [found for found in transports() if isinstance(found, ChannelPlugin)]

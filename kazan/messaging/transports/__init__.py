"""Transports: how the outbox reaches a channel (interface, registry, SMS rendering).

The interface belongs to its caller, the outbox; the channels app (above messaging) implements
it with its provider plugins and registers them at start-up (decision 0017).
"""

from kazan.messaging.transports.base import (
    Capabilities,
    PermanentProviderError,
    ProviderError,
    SmsProvider,
    SmsRequest,
    SmsResult,
    TransientProviderError,
    Transport,
)
from kazan.messaging.transports.registry import (
    Installation,
    InstallationDirectory,
    channel_default,
    channel_transports,
    channels_known,
    installation_active,
    installation_get,
    installations_register,
    sms_provider,
    sms_provider_keys,
    transport,
    transport_register,
    transports,
)
from kazan.messaging.transports.sms import SMS_CAPABILITIES, sms_render

__all__ = [
    "SMS_CAPABILITIES",
    "Capabilities",
    "Installation",
    "InstallationDirectory",
    "PermanentProviderError",
    "ProviderError",
    "SmsProvider",
    "SmsRequest",
    "SmsResult",
    "TransientProviderError",
    "Transport",
    "channel_default",
    "channel_transports",
    "channels_known",
    "installation_active",
    "installation_get",
    "installations_register",
    "sms_provider",
    "sms_provider_keys",
    "sms_render",
    "transport",
    "transport_register",
    "transports",
]

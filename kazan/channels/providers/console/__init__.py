"""The offline SMS provider: the default for development and tests, sends nothing anywhere."""

from kazan.channels.providers.base import sms_provider_register
from kazan.channels.providers.console.provider import ConsoleSmsProvider

sms_provider_register(ConsoleSmsProvider.key, ConsoleSmsProvider)

__all__ = ["ConsoleSmsProvider"]

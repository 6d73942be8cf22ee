"""Twilio SMS: the adapter (provider.py) and the delivery status webhook (webhooks.py)."""

from kazan.channels.providers.base import sms_provider_register
from kazan.channels.providers.twilio.provider import TwilioSmsProvider

sms_provider_register(TwilioSmsProvider.key, TwilioSmsProvider.from_settings)

__all__ = ["TwilioSmsProvider"]

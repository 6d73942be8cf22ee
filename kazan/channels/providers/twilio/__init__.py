"""Twilio SMS: the plugin (sender: provider.py, inbound parser: inbound.py, connect form:
forms.py), and the webhooks for delivery status (webhooks.py) and incoming SMS (inbound.py)."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin, plugin_register
from kazan.channels.providers.sms import SMS_CAPABILITIES, sms_render
from kazan.channels.providers.twilio.forms import TwilioConnectForm
from kazan.channels.providers.twilio.inbound import twilio_parse
from kazan.channels.providers.twilio.provider import TwilioSmsProvider


def _test(credentials: dict) -> None:
    TwilioSmsProvider.from_credentials(credentials).account_check()


TWILIO = ChannelPlugin(
    key=TwilioSmsProvider.key,
    channel="sms",
    label=_("Twilio SMS"),
    capabilities=SMS_CAPABILITIES,
    render=sms_render,
    sender=TwilioSmsProvider.from_credentials,
    parse=twilio_parse,
    connect_form=TwilioConnectForm,
    test=_test,
)
plugin_register(TWILIO)

__all__ = ["TWILIO", "TwilioSmsProvider"]

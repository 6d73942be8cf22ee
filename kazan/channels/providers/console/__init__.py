"""The offline SMS provider: the default for development and tests, sends nothing anywhere."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin, plugin_register
from kazan.channels.providers.console.provider import ConsoleSmsProvider
from kazan.channels.providers.sms import SMS_CAPABILITIES, sms_render

CONSOLE = ChannelPlugin(
    key=ConsoleSmsProvider.key,
    channel="sms",
    label=_("Console (development, sends nothing)"),
    capabilities=SMS_CAPABILITIES,
    render=sms_render,
    sender=lambda credentials: ConsoleSmsProvider(),
)
plugin_register(CONSOLE)

__all__ = ["CONSOLE", "ConsoleSmsProvider"]

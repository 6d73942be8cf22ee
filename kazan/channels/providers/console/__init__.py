"""The offline SMS provider: the default for development and tests, sends nothing anywhere."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.channels.providers.console.provider import ConsoleSmsProvider
from kazan.messaging.transports import SMS_CAPABILITIES, sms_render


def _sender(installation_id: int | None) -> ConsoleSmsProvider:
    return ConsoleSmsProvider()


CONSOLE = ChannelPlugin(
    key=ConsoleSmsProvider.key,
    channel="sms",
    label=_("Console (development, sends nothing)"),
    capabilities=SMS_CAPABILITIES,
    render=sms_render,
    sender=_sender,
)

__all__ = ["CONSOLE", "ConsoleSmsProvider"]

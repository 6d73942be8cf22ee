"""Twilio SMS: the plugin (sender: provider.py, inbound parser: inbound.py, connect form:
forms.py), and the webhooks for delivery status (webhooks.py) and incoming SMS (inbound.py)."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.channels.providers.twilio.forms import TwilioConnectForm
from kazan.channels.providers.twilio.inbound import twilio_parse
from kazan.channels.providers.twilio.provider import TwilioSmsProvider
from kazan.channels.queries import unscoped_installation_credentials
from kazan.messaging.transports import SMS_CAPABILITIES, sms_render


def _sender(installation_id: int | None) -> TwilioSmsProvider:
    """A business's own account (its installation's credentials) or the platform's (None)."""
    if installation_id is None:
        return TwilioSmsProvider.from_credentials(None)
    return TwilioSmsProvider.from_credentials(unscoped_installation_credentials(installation_id))


def _test(credentials: dict[str, str]) -> None:
    TwilioSmsProvider.from_credentials(credentials).account_check()


TWILIO = ChannelPlugin(
    key=TwilioSmsProvider.key,
    channel="sms",
    label=_("Twilio SMS"),
    capabilities=SMS_CAPABILITIES,
    render=sms_render,
    sender=_sender,
    parse=twilio_parse,
    connect_form=TwilioConnectForm,
    test=_test,
)
__all__ = ["TWILIO", "TwilioSmsProvider"]

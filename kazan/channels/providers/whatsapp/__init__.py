"""WhatsApp Cloud API: the plugin (renderer: render.py, sender: sender.py over graph.py,
connect form: forms.py), the webhook (webhooks.py: handshake, signed messages and statuses)
and the worker's processing of inbound messages (process.py). Decision 0022."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.channels.providers.whatsapp.forms import WhatsAppConnectForm
from kazan.channels.providers.whatsapp.graph import GraphClient
from kazan.channels.providers.whatsapp.render import WHATSAPP_CAPABILITIES, whatsapp_render
from kazan.channels.providers.whatsapp.sender import WhatsAppSender
from kazan.channels.queries import installation_credentials, unscoped_installation_by_id
from kazan.messaging.transports import PermanentProviderError, SmsRequest, SmsResult


class _NotConnected:
    """The sender of a message whose number is gone: WhatsApp has no platform default."""

    key = "whatsapp"

    def send(self, request: SmsRequest) -> SmsResult:
        raise PermanentProviderError("No WhatsApp number is connected.", code="not_connected")


def _sender(installation_id: int | None) -> WhatsAppSender | _NotConnected:
    installation = (
        unscoped_installation_by_id(installation_id) if installation_id is not None else None
    )
    if installation is None:
        return _NotConnected()
    return WhatsAppSender(
        credentials=installation_credentials(installation),
        catalog_id=str((installation.config or {}).get("catalog_id") or ""),
    )


def _test(credentials: dict[str, str]) -> None:
    GraphClient(
        access_token=credentials.get("access_token", ""),
        phone_number_id=credentials.get("phone_number_id", ""),
    ).phone_check()


WHATSAPP = ChannelPlugin(
    key="whatsapp",
    channel="whatsapp",
    label=_("WhatsApp Cloud API"),
    capabilities=WHATSAPP_CAPABILITIES,
    render=whatsapp_render,
    sender=_sender,
    connect_form=WhatsAppConnectForm,
    test=_test,
)
__all__ = ["WHATSAPP", "WhatsAppSender"]

"""The web chat (QR landing page, later the widget): answers travel in the HTTP response of
the customer's own request, so the channel has no sender and no inbound webhook. Its renderer
passes the engine's replies through: the page's script draws buttons, links and vouchers."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.messaging.transports import Capabilities

WEB_CAPABILITIES = Capabilities(
    max_text_length=4000,
    buttons=True,
    max_buttons=10,
    max_button_label=80,
    lists=True,
    max_list_rows=20,
    images=True,
    typing=True,
    inline=True,
)


def web_render(payload: dict[str, Any]) -> list[dict[str, Any]]:
    return list(payload.get("replies", []))


WEB = ChannelPlugin(
    key="web",
    channel="web",
    label=_("Web chat"),
    capabilities=WEB_CAPABILITIES,
    render=web_render,
)
__all__ = ["WEB", "WEB_CAPABILITIES", "web_render"]

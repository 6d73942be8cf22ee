"""The web chat (QR landing page, later the widget): answers travel in the HTTP response of
the customer's own request, so the channel has no sender and no inbound webhook. Its renderer
passes the engine's replies through: the page's script draws buttons, links and vouchers."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import Capabilities, ChannelPlugin, plugin_register

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


def web_render(payload: dict) -> list[dict]:
    return list(payload.get("replies", []))


WEB = ChannelPlugin(
    key="web",
    channel="web",
    label=_("Web chat"),
    capabilities=WEB_CAPABILITIES,
    render=web_render,
)
plugin_register(WEB)

__all__ = ["WEB", "WEB_CAPABILITIES"]

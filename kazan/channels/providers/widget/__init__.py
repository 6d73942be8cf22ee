"""The website widget's channel: like the landing page's web chat, answers travel in the HTTP
response of the visitor's own request (channels.widget.api), and the team's replies after a
hand-off are fetched by the frame's polling — no sender, no webhook. Its own key, so flows,
the inbox and the counters tell the widget apart from the landing page."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.channels.providers.web import WEB_CAPABILITIES, web_render

WIDGET = ChannelPlugin(
    key="widget",
    channel="widget",
    label=_("Website widget"),
    capabilities=WEB_CAPABILITIES,
    render=web_render,
)
__all__ = ["WIDGET"]

"""Telegram Bot API: the plugin (renderer: render.py, sender: sender.py over botapi.py, connect
form: forms.py, connect/disconnect calls: setup.py), the webhook (webhooks.py), the worker's
processing of updates (process.py), team members' own chats (members.py) and the polling
command for local development (management/commands/telegram_poll.py). Decision 0026."""

from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ChannelPlugin
from kazan.channels.providers.telegram.forms import TelegramConnectForm
from kazan.channels.providers.telegram.render import TELEGRAM_CAPABILITIES, telegram_render
from kazan.channels.providers.telegram.sender import TelegramSender
from kazan.channels.providers.telegram.setup import bot_prepare, bot_release, bot_test
from kazan.channels.queries import installation_credentials, unscoped_installation_by_id
from kazan.messaging.transports import PermanentProviderError, SmsRequest, SmsResult


class _NotConnected:
    """The sender of a message whose bot is gone: Telegram has no platform default."""

    key = "telegram"

    def send(self, request: SmsRequest) -> SmsResult:
        raise PermanentProviderError("No Telegram bot is connected.", code="not_connected")


def _sender(installation_id: int | None) -> TelegramSender | _NotConnected:
    installation = (
        unscoped_installation_by_id(installation_id) if installation_id is not None else None
    )
    if installation is None:
        return _NotConnected()
    return TelegramSender(token=installation_credentials(installation).get("bot_token", ""))


TELEGRAM = ChannelPlugin(
    key="telegram",
    channel="telegram",
    label=_("Telegram bot"),
    capabilities=TELEGRAM_CAPABILITIES,
    render=telegram_render,
    sender=_sender,
    connect_form=TelegramConnectForm,
    test=bot_test,
    prepare=bot_prepare,
    release=bot_release,
)
__all__ = ["TELEGRAM", "TelegramSender"]

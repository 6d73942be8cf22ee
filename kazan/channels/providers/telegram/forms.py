"""Connecting a business's own Telegram bot: the token BotFather gave, checked for shape before
anything is sent. The token and the webhook's secret are stored encrypted and never shown again;
the bot's @username, its id and the webhook's routing key are shown on the Channels page.
Whether the bot answers with Kazan's Telegram CRM flow is the business's choice (default on)."""

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ConnectForm, Connection

# "<bot id>:<35 characters>" as BotFather hands it out; a little room either side.
BOT_TOKEN = re.compile(r"^[0-9]{5,20}:[A-Za-z0-9_-]{30,64}$")


class TelegramConnectForm(ConnectForm):
    label = forms.CharField(label=_("Name"), max_length=80, required=False)
    bot_token = forms.CharField(
        label=_("Bot token"),
        max_length=100,
        widget=forms.PasswordInput(render_value=False),
        help_text=_(
            "From @BotFather (/newbot or /token), e.g. 123456789:AAH… Stored encrypted and "
            "never shown again."
        ),
    )
    use_crm = forms.BooleanField(
        label=_("Use the Telegram CRM"),
        required=False,
        initial=True,
        help_text=_(
            "The bot answers with registration, orders, tokens and balance. Leave it unticked "
            "to bind your own flow to Telegram."
        ),
    )

    def clean_bot_token(self) -> str:
        return self.cleaned_matching(
            "bot_token", BOT_TOKEN, _("This does not look like a bot token from @BotFather.")
        )

    def connection(self) -> Connection:
        token = self.cleaned_data["bot_token"]
        bot_id = token.split(":", 1)[0]
        credentials = {
            "bot_token": token,
            # Telegram sends it back in X-Telegram-Bot-Api-Secret-Token with every update
            # (1-256 characters of A-Z, a-z, 0-9, _ and -).
            "secret_token": secrets.token_urlsafe(32),
        }
        config: dict[str, Any] = {
            "bot_id": bot_id,
            # This installation's webhook /hooks/telegram/<hook_key>/ (routing only: the secret
            # token is the credential).
            "hook_key": secrets.token_urlsafe(18),
            "use_crm": bool(self.cleaned_data.get("use_crm")),
        }
        return Connection(credentials=credentials, config=config, address=bot_id)

"""The Bot API calls of connecting and disconnecting a bot, made outside any transaction:
getMe (the token is a bot's, its @username), setWebhook (this installation's URL, its secret
token and the update kinds the channel handles), setMyCommands (the Telegram CRM's commands in
each of our languages and once as the default) and, on disconnecting, deleteWebhook."""

import logging
from dataclasses import replace

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kazan.channels.providers.base import Connection
from kazan.channels.providers.telegram.botapi import BotApi
from kazan.messaging.transports import PermanentProviderError, ProviderError

logger = logging.getLogger("kazan.channels.telegram")

# What the channel handles (inbound.py); edited messages come too, to be ignored on purpose.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
WEBHOOK_MAX_CONNECTIONS = 40
COMMAND_DESCRIPTION_MAX = 256


def bot_commands(language: str | None) -> list[dict[str, str]]:
    """The CRM's commands ({"command", "description"}) in `language` (None: the default)."""
    from kazan.crm.commands import BOT_COMMANDS

    with translation.override(language or settings.LANGUAGE_CODE):
        return [
            {"command": name, "description": str(description)[:COMMAND_DESCRIPTION_MAX]}
            for name, description in BOT_COMMANDS
        ]


def commands_publish(api: BotApi) -> None:
    """setMyCommands once per language of ours (`language_code`) and once without (default)."""
    for code, _name in settings.LANGUAGES:
        api.call("setMyCommands", {"commands": bot_commands(code), "language_code": code})
    api.call("setMyCommands", {"commands": bot_commands(None)})


def webhook_url(hook_key: str) -> str:
    return settings.PUBLIC_URL + reverse("hooks:telegram", args=[hook_key])


def bot_prepare(connection: Connection) -> Connection:
    """Checks the token with getMe, points the bot's webhook at this installation's URL with its
    secret and publishes the commands; returns the connection with the bot's @username.
    Raises ProviderError (nothing is saved then)."""
    api = BotApi(connection.credentials["bot_token"])
    me = api.me()
    if str(me.get("id") or "") != connection.address:
        raise PermanentProviderError("getMe names another bot than the token.", code="not_a_bot")
    api.call(
        "setWebhook",
        {
            "url": webhook_url(str(connection.config["hook_key"])),
            "secret_token": connection.credentials["secret_token"],
            "allowed_updates": ALLOWED_UPDATES,
            "max_connections": WEBHOOK_MAX_CONNECTIONS,
        },
    )
    commands_publish(api)
    config = {
        **connection.config,
        "bot_username": str(me.get("username") or "")[:64],
        "bot_name": str(me.get("first_name") or "")[:120],
    }
    return replace(connection, config=config)


def bot_release(credentials: dict[str, str]) -> None:
    """deleteWebhook of a disconnected bot (best effort: the URL refuses its updates anyway)."""
    token = credentials.get("bot_token", "")
    if not token:
        return
    try:
        BotApi(token).call("deleteWebhook", {"drop_pending_updates": False})
    except ProviderError as exc:
        logger.warning("telegram deleteWebhook failed: %s", exc.code)


def bot_test(credentials: dict[str, str]) -> None:
    """The connection test: getMe answers for the token."""
    BotApi(credentials.get("bot_token", "")).me()

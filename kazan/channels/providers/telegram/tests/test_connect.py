"""Connecting a bot: getMe, setWebhook (this installation's URL, its secret, the update kinds)
and setMyCommands in every language with the right arguments against the fake; the CRM flow
bound when asked; a bot of another business refused before Telegram is told anything;
Test calls getMe, Disconnect calls deleteWebhook; the polling command for development."""

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from kazan.channels.models import ChannelInstallation, InboundEvent
from kazan.channels.providers.telegram.setup import ALLOWED_UPDATES
from kazan.channels.providers.telegram.testing import (
    BOT_TOKEN,
    FakeBotApi,
    telegram_connected,
    telegram_fields,
    telegram_secret,
    update_message,
)
from kazan.channels.providers.telegram.webhooks import telegram_hook_path
from kazan.channels.queries import installation_credentials
from kazan.channels.services import (
    installation_connect,
    installation_disconnect,
    installation_test,
)
from kazan.conversations.editor.queries import bindings_by_channel
from kazan.core.errors import Conflict, ValidationFailed
from kazan.crm.flow import CRM_FLOW
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db


def _telegram_flow(business):
    binding = bindings_by_channel(business=business).get("telegram")
    return binding.flow.key if binding is not None else None


def test_connecting_calls_getme_setwebhook_and_setmycommands(business, fake_bot_api, settings):
    # When the business connects its bot
    installation = telegram_connected(business, fake_bot_api)
    # Then Telegram was asked in this order, with this installation's URL and secret
    methods = [method for method, _params in fake_bot_api.calls]
    assert methods[:2] == ["getMe", "setWebhook"]
    assert methods[2:] == ["setMyCommands"] * 6
    webhook = fake_bot_api.called("setWebhook")[0]
    assert webhook["url"] == settings.PUBLIC_URL + telegram_hook_path(installation)
    assert webhook["secret_token"] == telegram_secret(installation)
    assert len(webhook["secret_token"]) >= 32
    assert webhook["allowed_updates"] == ALLOWED_UPDATES
    assert {"message", "callback_query", "my_chat_member"} <= set(webhook["allowed_updates"])
    # And the commands: once per language of ours, then the default without a language
    commands = fake_bot_api.called("setMyCommands")
    assert [c.get("language_code") for c in commands] == ["en", "de", "tr", "it", "es", None]
    names = [item["command"] for item in commands[0]["commands"]]
    assert names[0] == "start" and "help" in names
    assert all(item["description"] for c in commands for item in c["commands"])
    # And the installation keeps the bot's username; the token and secret are encrypted
    assert installation.config["bot_username"] == fake_bot_api.username
    assert installation.config["bot_id"] == BOT_TOKEN.split(":")[0]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM channels_channelinstallation WHERE id = %s", [installation.pk]
        )
        stored = cursor.fetchone()[0]
    assert BOT_TOKEN not in stored and "secret_token" not in stored
    assert installation_credentials(installation)["bot_token"] == BOT_TOKEN
    # And the Telegram CRM's flow answers on Telegram (the box is ticked by default)
    assert _telegram_flow(business) == CRM_FLOW


def test_the_crm_flow_is_not_bound_when_the_box_is_unticked(business, fake_bot_api):
    installation = telegram_connected(business, fake_bot_api, use_crm="")
    assert installation.config["use_crm"] is False
    assert _telegram_flow(business) is None


def test_a_wrong_token_is_refused_and_nothing_is_saved(business, fake_bot_api):
    with pytest.raises(ValidationFailed) as refused:
        telegram_connected(business, fake_bot_api, bot_token="123456789:" + "x" * 35)
    assert "refused" in str(refused.value.message)
    assert not ChannelInstallation.objects.exists()
    with pytest.raises(ValidationFailed):
        installation_connect(
            business=business,
            actor=None,
            provider="telegram",
            fields=telegram_fields(bot_token="not a token"),
        )


def test_a_bot_of_another_business_is_refused_before_telegram_is_told(
    business, other_business, fake_bot_api
):
    telegram_connected(business, fake_bot_api)
    calls = len(fake_bot_api.calls)
    with pytest.raises(Conflict):
        telegram_connected(other_business, fake_bot_api)
    assert len(fake_bot_api.calls) == calls  # no setWebhook moved the bot away


def test_test_calls_getme_and_disconnect_deletes_the_webhook(business, fake_bot_api, client):
    installation = telegram_connected(business, fake_bot_api)
    assert installation_test(business=business, actor=None, installation=installation)
    assert fake_bot_api.calls[-1][0] == "getMe"
    with TestCase.captureOnCommitCallbacks(execute=True):
        installation_disconnect(business=business, actor=None, installation=installation)
    assert fake_bot_api.calls[-1] == ("deleteWebhook", {"drop_pending_updates": False})
    assert fake_bot_api.webhook == {}
    # And the old URL refuses updates from now on
    response = client.post(
        telegram_hook_path(installation),
        data=json.dumps(update_message("hi")),
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": telegram_secret(installation)},
    )
    assert response.status_code == 403


def test_the_channels_page_connects_a_bot(owner_client, business, fake_bot_api):
    page = owner_client.get(reverse("channels:list"))
    assert page.status_code == 200 and b'id="connect-telegram"' in page.content
    response = owner_client.post(reverse("channels:connect"), telegram_fields())
    assert response.status_code == 302
    page = owner_client.get(reverse("channels:list"))
    assert f"@{fake_bot_api.username}".encode() in page.content
    assert b"data-telegram-bot=" in page.content


def test_the_channels_page_shows_telegram_s_refusal(owner_client, business, fake_bot_api):
    response = owner_client.post(
        reverse("channels:connect"), telegram_fields(bot_token="123456789:" + "y" * 35)
    )
    assert response.status_code == 400
    assert b"refused" in response.content
    assert not ChannelInstallation.objects.exists()


def test_polling_feeds_the_same_processing(business, fake_bot_api, capsys):
    # Given a connected bot and an update waiting at Telegram
    installation = telegram_connected(business, fake_bot_api)
    fake_bot_api.updates_add(
        update_message("hello", update_id=900), update_message("again", update_id=901)
    )
    # When the development poller runs one round
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("telegram_poll", "--business", business.slug, "--once", "--timeout", "0")
    # Then the webhook was deleted first and both updates were stored for the worker
    methods = [method for method, _params in fake_bot_api.calls]
    assert methods.index("deleteWebhook") < methods.index("getUpdates")
    events = InboundEvent.objects.filter(installation=installation).order_by("pk")
    assert [e.provider_message_id.split(":")[1] for e in events] == ["900", "901"]
    # And a second round does not store them again (offset confirmed, ids unique)
    fake_bot_api.updates_add(update_message("hello", update_id=900))
    call_command("telegram_poll", "--business", business.slug, "--once", "--timeout", "0")
    assert InboundEvent.objects.count() == 2
    tasks_run_all()
    assert set(InboundEvent.objects.values_list("status", flat=True)) == {"processed"}


def test_polling_needs_a_connected_bot(business):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("telegram_poll", "--business", business.slug, "--once")
    with pytest.raises(CommandError):
        call_command("telegram_poll", "--business", "nobody-here", "--once")


def test_the_fake_refuses_polling_while_a_webhook_is_set():
    with FakeBotApi() as api:
        api.webhook = {"url": "https://x.example/hook"}
        status, body = api.handle(f"/bot{api.token}/getUpdates", "application/json", b"{}")
        assert status == 409 and body["ok"] is False

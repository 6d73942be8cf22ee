"""The CRM bot end to end through the real Telegram webhook against the fake Bot API: a bot
connected with "Use the Telegram CRM" gets the CRM flow and its commands; /start, a button
press (answered), a registration typed and pressed through to the saved
profile — every reply sent through the outbox to the fake's sendMessage/editMessageText."""

import pytest
from django.test import TestCase

from kazan.channels.providers.telegram.testing import (
    telegram_connected,
    telegram_post,
    update_callback,
    update_command,
    update_message,
)
from kazan.customers.models import CustomerProfile
from kazan.customers.queries import profile_data
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db


def _deliver(client, installation, update):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = telegram_post(client, installation, update)
    tasks_run_all()
    tasks_run_all()
    assert response.status_code == 200
    return response


def _last_keyboard(fake):
    message = [m for m in fake.sent if "reply_markup" in m][-1]
    return [row[0]["callback_data"] for row in message["reply_markup"]["inline_keyboard"]]


def test_a_customer_registers_through_the_telegram_webhook(
    client, business, fake_bot_api, settings
):
    # A person types far slower than this test: Telegram's per-chat flood limit (tg's own
    # tests prove it) would only defer replies here.
    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 1000
    installation = telegram_connected(business, fake_bot_api)
    published = fake_bot_api.called("setMyCommands")
    assert [c["command"] for c in published[-1]["commands"]] == [
        "start",
        "register",
        "order",
        "tokens",
        "balance",
        "orders",
        "help",
    ]
    _deliver(client, installation, update_command("start"))
    assert "What would you like to do?" in fake_bot_api.sent[-1]["text"]
    assert _last_keyboard(fake_bot_api) == [
        "register",
        "order",
        "tokens",
        "balance",
        "orders",
        "help",
    ]
    _deliver(client, installation, update_callback("register"))
    assert fake_bot_api.called("answerCallbackQuery")
    for text in ["Anna", "Skip", "Smith", "(212) 555-0123", "anna@example.com"]:
        _deliver(client, installation, update_message(text))
    assert "The gender?" in fake_bot_api.sent[-1]["text"]
    _deliver(client, installation, update_callback("female"))
    for text in ["1990-04-25", "350 Fifth Avenue", "Skip", "New York"]:
        _deliver(client, installation, update_message(text))
    # the state buttons, a page at a time
    assert _last_keyboard(fake_bot_api)[:2] == ["AL", "AK"]
    _deliver(client, installation, update_callback("page_next"))
    assert _last_keyboard(fake_bot_api)[0] == "ID"
    _deliver(client, installation, update_callback("page_next"))
    assert "NY" in _last_keyboard(fake_bot_api)
    _deliver(client, installation, update_callback("NY"))
    for text in ["10001", "United States", "Skip", "Skip", "Skip"]:
        _deliver(client, installation, update_message(text))
    assert "Please check the profile" in "\n".join(m.get("text", "") for m in fake_bot_api.sent)
    _deliver(client, installation, update_callback("confirm"))
    _deliver(client, installation, update_callback("agree"))
    assert any("is saved" in m.get("text", "") for m in fake_bot_api.sent)
    [profile] = CustomerProfile.objects.filter(business=business)
    assert profile_data(profile)["postal_code"] == "10001"
    assert profile_data(profile)["phone_e164"] == "+12125550123"

"""The webhook: the secret token is the credential (checked before the body is read), updates
are stored once per update_id, one business's URL never reaches another's bot."""

import pytest

from kazan.channels.models import InboundEvent
from kazan.channels.providers.telegram.testing import (
    FakeBotApi,
    telegram_connected,
    telegram_post,
    tg_fixture,
    update_edited,
    update_message,
)
from kazan.channels.providers.telegram.webhooks import telegram_hook_path

pytestmark = pytest.mark.django_db


def test_an_update_without_the_secret_token_is_refused_before_anything_is_stored(client, bot):
    # Given a connected bot; when updates come without, or with a wrong, secret token
    missing = telegram_post(client, bot, update_message("hi"), secret="")
    wrong = telegram_post(client, bot, update_message("hi"), secret="x" * 43)
    # Then both are refused and nothing is stored
    assert missing.status_code == 403
    assert wrong.status_code == 403
    assert not InboundEvent.objects.exists()


def test_unknown_hook_and_junk_are_refused(client, bot):
    assert telegram_post(client, None, update_message("hi"), secret="s" * 40).status_code == 403
    response = client.post(telegram_hook_path(bot), data=b"{", content_type="application/json")
    assert response.status_code == 403


def test_a_redelivered_update_is_stored_once(client, bot):
    # Given one update delivered twice (Telegram retries when it saw no 200)
    update = update_message("hello", update_id=4242)
    first = telegram_post(client, bot, update)
    second = telegram_post(client, bot, update)
    # Then both are answered 200 and one event is stored
    assert (first.status_code, second.status_code) == (200, 200)
    assert InboundEvent.objects.filter(provider="telegram").count() == 1
    event = InboundEvent.objects.get()
    assert event.provider_message_id.endswith(":4242")
    assert event.business_id == bot.business_id


def test_a_body_that_is_not_json_is_a_400_once_the_secret_matched(client, bot):
    assert telegram_post(client, bot, b"not json").status_code == 400


def test_edited_messages_and_group_chats_are_answered_but_not_stored(client, bot):
    assert telegram_post(client, bot, update_edited("changed")).status_code == 200
    assert telegram_post(client, bot, tg_fixture("message_group")).status_code == 200
    assert telegram_post(client, bot, tg_fixture("edited_message")).status_code == 200
    assert not InboundEvent.objects.exists()


def test_a_too_large_body_is_refused(client, bot):
    response = telegram_post(client, bot, b'{"update_id": 1, "x": "' + b"a" * 300_000 + b'"}')
    assert response.status_code == 403
    assert not InboundEvent.objects.exists()


def test_one_business_hook_cannot_deliver_to_another(client, business, other_business, settings):
    # Given two businesses with their own bots (two fakes: two tokens)
    with FakeBotApi() as api_a, FakeBotApi(token="7000000002:" + "B" * 35) as api_b:
        settings.TELEGRAM_API_URL = f"{api_a.url}/bot"
        bot_a = telegram_connected(business, api_a)
        settings.TELEGRAM_API_URL = f"{api_b.url}/bot"
        bot_b = telegram_connected(other_business, api_b)
    # When B's hook is called with A's secret, or A's hook with B's secret
    crossed = telegram_post(client, telegram_hook_path(bot_b), update_message("hi"), secret=None)
    a_secret_on_b = client.post(
        telegram_hook_path(bot_b),
        data=b'{"update_id": 1}',
        content_type="application/json",
        headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"},
    )
    from kazan.channels.providers.telegram.testing import telegram_secret

    a_on_b = telegram_post(
        client, telegram_hook_path(bot_b), update_message("hi"), secret=telegram_secret(bot_a)
    )
    # Then all are refused; each hook only takes its own secret, and stores for its own business
    assert crossed.status_code == 403
    assert a_secret_on_b.status_code == 403
    assert a_on_b.status_code == 403
    assert telegram_post(client, bot_b, update_message("hi")).status_code == 200
    assert InboundEvent.objects.get().business_id == other_business.pk

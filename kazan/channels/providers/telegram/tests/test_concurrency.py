"""On PostgreSQL: Telegram's concurrent redeliveries of one update store one event, two racing
"/start m_<token>" link one chat, and the flood limit holds across threads (counted)."""

import pytest
from django.test import Client

from kazan.channels.models import InboundEvent, MemberChat
from kazan.channels.providers.telegram.members import member_link_consume, member_link_start
from kazan.channels.providers.telegram.sender import flood_wait
from kazan.channels.providers.telegram.testing import telegram_connected, telegram_post
from kazan.channels.providers.telegram.testing import update_message as message
from kazan.core.testing import run_in_threads, run_in_threads_numbered
from kazan.messaging.transports import TransientProviderError

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_redeliveries_of_one_update_store_one_event(business, fake_bot_api):
    installation = telegram_connected(business, fake_bot_api)
    update = message("hello", update_id=777)
    statuses = run_in_threads(8, lambda: telegram_post(Client(), installation, update).status_code)
    assert statuses == [200] * 8, statuses
    assert InboundEvent.objects.filter(provider="telegram").count() == 1


def test_two_racing_starts_of_one_link_link_one_chat(business, owner, fake_bot_api):
    from django.db import transaction

    telegram_connected(business, fake_bot_api)
    token = member_link_start(business=business, user=owner).rsplit("m_", 1)[1]

    def consume(index):
        with transaction.atomic():
            return member_link_consume(business=business, token=token, chat_id=f"90{index}")

    results = run_in_threads_numbered(6, consume)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(result is not None for result in results) == 1
    assert MemberChat.objects.filter(business=business).count() == 1


def test_the_bot_flood_limit_holds_across_threads(settings):
    settings.TELEGRAM_MESSAGES_PER_SECOND = 30
    settings.TELEGRAM_CHAT_MESSAGES_PER_SECOND = 0

    def take(index):
        try:
            flood_wait(bot_id="55", chat_id=str(index), max_wait=0)
            return True
        except TransientProviderError:
            return False

    # 40 sends at once (the window starts with the first and lasts a second): 30 get a slot
    results = run_in_threads_numbered(40, take)
    assert (results.count(True), results.count(False)) == (30, 10), results

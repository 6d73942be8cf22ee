import pytest
from django.test import TestCase

from kazan.channels.providers.telegram.testing import telegram_connected, telegram_post
from kazan.conversations.tests.factories import flow_bound
from kazan.messaging.testing import tasks_run_all

SHOP = {
    "key": "shop",
    "start": "hi",
    "steps": {
        "hi": {"type": "say", "text": {"en": "Hi, this is the shop."}, "next": "what"},
        "what": {
            "type": "choose",
            "prompt": {"en": "What do you need?"},
            "var": "need",
            "choices": [
                {"value": "hours", "label": {"en": "Opening hours"}, "next": "hours"},
                {"value": "person", "label": {"en": "A person"}, "next": "human"},
            ],
        },
        "hours": {"type": "say", "text": {"en": "9 to 5."}, "next": "end"},
        "human": {"type": "handoff", "text": {"en": "A colleague will answer here."}},
        "end": {"type": "end"},
    },
}


@pytest.fixture
def bot(business, fake_bot_api):
    """The business's Telegram bot, connected at the fake Bot API."""
    return telegram_connected(business, fake_bot_api)


@pytest.fixture
def shop(business, bot):
    """A small flow of our own on Telegram."""
    return flow_bound(business, SHOP, channel="telegram")


def deliver(client, installation, update, **kwargs):
    """Posts like Telegram, then runs what the webhook enqueued, as a worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = telegram_post(client, installation, update, **kwargs)
    tasks_run_all()
    tasks_run_all()
    return response

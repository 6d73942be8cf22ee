import pytest
from django.test import TestCase

from kazan.channels.providers.whatsapp.testing import whatsapp_connected, whatsapp_post
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
def wa(business, fake_graph):
    """The business's WhatsApp number, connected at the fake Graph API."""
    return whatsapp_connected(business, fake_graph)


@pytest.fixture
def shop(business, wa):
    """A small flow of our own on WhatsApp, instead of the agent's shop flow bound on connect."""
    return flow_bound(business, SHOP, channel="whatsapp")


def deliver(client, payload, **kwargs):
    """Posts like Meta, then runs what the webhook enqueued, as a worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = whatsapp_post(client, payload, **kwargs)
    tasks_run_all()
    tasks_run_all()
    return response

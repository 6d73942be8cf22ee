"""The landing chat's live endpoint: a visitor's open chat fetches the team's replies."""

import json

import pytest
from django.test import Client

from kazan.conversations.models import Conversation, ConversationMessage, Status
from kazan.inbox.services import inbox_note, inbox_reply

pytestmark = pytest.mark.django_db


def _start(client: Client, business) -> Conversation:
    """The visitor opens the chat: the conversation starts and the chat cookie is set."""
    response = client.post(
        f"/{business.slug}/chat", json.dumps({"action": "start"}), content_type="application/json"
    )
    assert response.status_code == 200
    return Conversation.objects.get(business=business, channel="web")


def _live(client: Client, business, after=None):
    query = {} if after is None else {"after": after}
    return client.get(f"/{business.slug}/chat/live", query)


def test_the_visitor_gets_the_team_replies_after_the_cursor_and_never_notes(
    client, business, owner
):
    # given a visitor whose chat was handed to a person
    conversation = _start(client, business)
    Conversation.objects.filter(pk=conversation.pk).update(status=Status.OPEN)
    first = _live(client, business).json()
    assert first["replies"] == []
    assert first["with_person"] is True
    # when the team writes a note and a reply
    inbox_note(business=business, conversation=conversation, text="Regular", actor=owner)
    reply = inbox_reply(
        business=business, conversation=conversation, text="Hello, I am Kim.", actor=owner
    )
    # then the chat gets the reply only, and the cursor moves past it
    data = _live(client, business, after=first["cursor"]).json()
    assert data["replies"] == [{"type": "text", "text": "Hello, I am Kim."}]
    assert data["cursor"] == reply.pk
    assert _live(client, business, after=data["cursor"]).json()["replies"] == []


def test_another_visitor_sees_nothing_of_it(client, business, owner):
    conversation = _start(client, business)
    inbox_reply(business=business, conversation=conversation, text="Only for you", actor=owner)
    stranger = Client()
    data = _live(stranger, business, after=0).json()
    assert data == {"replies": [], "cursor": 0, "with_person": False}
    assert ConversationMessage.objects.filter(text="Only for you").count() == 1


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", "١٢"])
def test_a_bad_cursor_is_a_400(client, business, after):
    _start(client, business)
    response = _live(client, business, after=after)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_unknown_or_suspended_business(client, business):
    assert client.get("/no-such-shop/chat/live").status_code == 404
    business.status = "suspended"
    business.save()
    assert _live(client, business).status_code == 503

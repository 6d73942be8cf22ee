"""The chat step's cost and its locking (issue 15): one turn of a returning visitor is a fixed
number of queries (the identity marked seen, the thread locked with its session, flow version
and binding in one query, the log in one insert, only changed columns written), and concurrent
turns of one visitor still run one after another."""

import json

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from kazan.conversations.engine import Inbound
from kazan.conversations.models import Conversation, ConversationMessage
from kazan.conversations.services import conversation_receive
from kazan.core.testing import run_in_threads

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"
# Before issue 15 (same turns, same test): 20 queries for the refused number, 32 for a valid one.
# Now: the tenant, then in one transaction the identity's last_seen, the locked thread (with
# session, flow version and binding), the turn's savepoint, the log, the thread's changed columns.
# Issue 14: +2 for the plan's monthly messages (the subscription read, the counter's UPDATE).
REFUSED_TURN_MAX = 11
VALID_TURN_MAX = 24


def _post(client, business, body):
    return client.post(f"/{business.slug}/chat", json.dumps(body), content_type="application/json")


def _visitor_at_the_phone_question(client, business):
    client.get(f"/{business.slug}/")
    _post(client, business, {"action": "start"})
    _post(client, business, {"text": "Ada"})


def _turn(client, business, text):
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, business, {"text": text})
    assert response.status_code == 200
    return response.json()["replies"], captured.captured_queries


def test_a_chat_turn_costs_a_fixed_number_of_queries(client, business):
    _visitor_at_the_phone_question(client, business)

    replies, queries = _turn(client, business, "not a number")
    assert [r["type"] for r in replies] == ["error", "input"]
    assert replies[-1]["input"] == "phone"
    assert len(queries) <= REFUSED_TURN_MAX, "\n".join(q["sql"][:120] for q in queries)
    # The fallback chain's settings are not read for an answer the step refuses itself.
    assert not [q for q in queries if "conversations_botsettings" in q["sql"]]

    replies, queries = _turn(client, business, PHONE)
    assert replies[-1]["input"] == "consent"
    assert len(queries) <= VALID_TURN_MAX, "\n".join(q["sql"][:120] for q in queries)

    thread = Conversation.objects.get(business=business)
    logged = list(
        ConversationMessage.objects.filter(conversation=thread).values_list("direction", "text")
    )
    # Both turns logged in and out, in order, the numbers masked.
    assert [d for d, _t in logged[-4:]] == ["in", "out", "in", "out"]
    assert PHONE not in " ".join(t for _d, t in logged)


def test_a_message_under_a_purged_chat_starts_a_new_thread_under_a_new_token(client, business):
    _visitor_at_the_phone_question(client, business)
    old = client.cookies["kz_chat"].value
    Conversation.objects.filter(business=business).delete()

    replies = _post(client, business, {"text": "hello"}).json()["replies"]

    assert replies[0]["text"] == "Welcome to Café A! Thank you for visiting."
    assert client.cookies["kz_chat"].value != old
    assert Conversation.objects.filter(business=business).count() == 1


def test_a_returning_visitor_is_answered_in_their_thread_and_a_stranger_is_not(client, business):
    _visitor_at_the_phone_question(client, business)
    other = Client()
    _post(other, business, {"action": "start"})
    _post(other, business, {"text": "Bob"})

    replies = _post(client, business, {"text": "not a number"}).json()["replies"]

    assert replies[-1]["input"] == "phone"
    threads = Conversation.objects.filter(business=business)
    assert threads.count() == 2
    assert sorted(t.session.state["name"] for t in threads) == ["Ada", "Bob"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_turns_of_one_visitor_run_one_after_another(business):
    handle = "web-visitor-token"

    def send(text: str):
        return conversation_receive(
            business=business, channel="web", handle=handle, inbound=Inbound(text=text)
        )

    send("")
    send("Ada")
    results = run_in_threads(4, lambda: send("not a number"))

    assert not [r for r in results if isinstance(r, Exception)], results
    thread = Conversation.objects.get(business=business)
    # Every turn logged its message and its answer, none lost to another.
    refused = ConversationMessage.objects.filter(conversation=thread, direction="out")
    assert refused.filter(text__startswith="This is not a valid phone number").count() == 4
    assert thread.session.step == "ask_phone" and thread.session.waiting

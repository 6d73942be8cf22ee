"""Migration 0003: conversations from before threads become a thread with an encrypted channel
identity and one session holding their run state, on the seeded review funnel's version."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("conversations", "0002_threads_sessions_flows")]


@pytest.fixture
def migrator():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_conversations_become_threads_with_sessions(migrator):
    old = migrator.loader.project_state(BEFORE).apps
    business = old.get_model("tenancy", "Business").objects.create(
        name="Old Café", slug="old-cafe", language="de"
    )
    Customer = old.get_model("customers", "Customer")
    anna = Customer.objects.create(business=business, name="Anna")
    Conversation = old.get_model("conversations", "Conversation")
    Message = old.get_model("conversations", "ConversationMessage")
    running = Conversation.objects.create(
        business=business,
        channel="web",
        external_key="token-running-1",
        flow_key="review_funnel",
        step="ask_phone",
        waiting=True,
        state={"name": "Ben"},
    )
    Message.objects.create(business=business, conversation=running, direction="in", text="Ben")
    Message.objects.create(business=business, conversation=running, direction="out", text="?")
    done = Conversation.objects.create(
        business=business,
        channel="web",
        external_key="token-done-1",
        flow_key="review_funnel",
        customer=anna,
        completed_at=timezone.now(),
    )

    migrator = MigrationExecutor(connection)
    migrator.migrate(migrator.loader.graph.leaf_nodes())

    from kazan.conversations.models import Conversation as Thread
    from kazan.conversations.models import ConversationMessage, Flow
    from kazan.conversations.queries import conversation_for_handle
    from kazan.tenancy.models import Business

    business = Business.objects.get(slug="old-cafe")
    funnel = Flow.objects.get(business=business, key="review_funnel")
    thread = conversation_for_handle(business=business, channel="web", handle="token-running-1")
    assert thread.pk == running.pk
    session = thread.session
    assert (session.step, session.waiting, session.state) == ("ask_phone", True, {"name": "Ben"})
    assert session.flow_version == funnel.current_version and session.running
    assert thread.identity.external_id == "token-running-1" and thread.identity.customer is None
    assert [
        (m.author_kind, m.session_id)
        for m in ConversationMessage.objects.filter(conversation=thread)
    ] == [("customer", session.pk), ("bot", session.pk)]
    finished = Thread.objects.get(pk=done.pk)
    assert finished.session.end_reason == "completed" and not finished.session.running
    assert finished.identity.customer_id == anna.pk
    # The seeded funnel is bound to every channel and runs on.
    from kazan.conversations.engine import Inbound
    from kazan.conversations.services import conversation_receive

    replies = conversation_receive(
        business=business, channel="web", handle="token-done-1", inbound=Inbound(text="hallo")
    ).replies
    assert replies[0]["text"].startswith("Willkommen")

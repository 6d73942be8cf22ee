"""Chats abandoned before the phone was verified are deleted after 30 days; chats of customers
stay with the customer (their export and erasure reach them)."""

from datetime import timedelta

import pytest
from crontask import scheduler
from django.utils import timezone

from kazan.conversations import tasks
from kazan.conversations.engine import Inbound
from kazan.conversations.models import Conversation, ConversationMessage
from kazan.conversations.services import (
    conversation_receive,
    unscoped_conversations_abandoned_purge,
)
from kazan.customers.models import ChannelIdentity
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def _chat(business, key: str, *, days_ago: int, customer=None) -> Conversation:
    conversation = conversation_receive(
        business=business, channel="web", handle=key, inbound=Inbound()
    ).conversation
    Conversation.objects.filter(pk=conversation.pk).update(
        customer=customer, updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return conversation


def test_abandoned_chats_go_after_30_days_and_customers_chats_stay(business):
    old = _chat(business, "abandoned-old", days_ago=31)
    recent = _chat(business, "abandoned-recent", days_ago=29)
    kept = _chat(
        business, "customer-old-1", days_ago=400, customer=CustomerFactory(business=business)
    )
    assert ConversationMessage.objects.filter(conversation=old).exists()

    assert unscoped_conversations_abandoned_purge() == 1

    assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk, kept.pk}
    assert not ConversationMessage.objects.filter(conversation_id=old.pk).exists()
    # The anonymous visitor's handle went with the thread; the others' stay.
    assert not ChannelIdentity.objects.filter(pk=old.identity_id).exists()
    assert (
        ChannelIdentity.objects.filter(pk__in=[recent.identity_id, kept.identity_id]).count() == 2
    )


def test_the_purge_runs_daily():
    job = {job.name: job for job in scheduler.get_jobs()}["conversations_purge"]
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert job.func == tasks.conversations_purge.enqueue
    assert (fields["minute"], fields["hour"], fields["day"]) == ("17", "3", "*")

from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.conversations.models import Status
from kazan.inbox.queries import (
    ALL,
    MINE,
    UNASSIGNED,
    InboxFilters,
    inbox_conversations,
    inbox_unread_count,
    status_shown,
)
from kazan.inbox.tests.factories import thread
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _ids(business, viewer, **filters) -> list[int]:
    rows = inbox_conversations(business=business, filters=InboxFilters(**filters), viewer=viewer)
    return [row.pk for row in rows]


def test_needing_a_person_means_open_or_a_snooze_whose_time_has_come(business, owner):
    now = timezone.now()
    open_ = thread(business, ago=timedelta(minutes=3))
    woken = thread(
        business,
        status=Status.SNOOZED,
        snoozed_until=now - timedelta(minutes=1),
        ago=timedelta(minutes=1),
    )
    sleeping = thread(business, status=Status.SNOOZED, snoozed_until=now + timedelta(hours=1))
    bot = thread(business, status=Status.BOT)
    pending = thread(business, status=Status.PENDING)
    resolved = thread(business, status=Status.RESOLVED)
    # newest activity first
    assert _ids(business, owner) == [woken.pk, open_.pk]
    assert _ids(business, owner, status=Status.SNOOZED) == [sleeping.pk]
    assert _ids(business, owner, status=Status.BOT) == [bot.pk]
    assert _ids(business, owner, status=Status.PENDING) == [pending.pk]
    assert _ids(business, owner, status=Status.RESOLVED) == [resolved.pk]
    assert len(_ids(business, owner, status=ALL)) == 6
    assert status_shown(woken) == Status.OPEN
    assert status_shown(sleeping) == Status.SNOOZED


def test_filters_by_channel_and_assignee(business, other_business, owner):
    colleague = MembershipFactory(business=business).user
    mine = thread(business, channel="sms", assignee=owner)
    theirs = thread(business, channel="web", assignee=colleague)
    nobodys = thread(business, channel="web")
    thread(other_business, channel="web")  # never listed
    assert set(_ids(business, owner)) == {mine.pk, theirs.pk, nobodys.pk}
    assert _ids(business, owner, channel="sms") == [mine.pk]
    assert _ids(business, owner, assignee=MINE) == [mine.pk]
    assert _ids(business, owner, assignee=UNASSIGNED) == [nobodys.pk]
    assert _ids(business, owner, assignee=str(colleague.pk)) == [theirs.pk]
    assert _ids(business, owner, channel="web", assignee=MINE) == []


def test_the_rows_carry_the_last_message_and_whether_it_is_unread(business, owner):
    conversation = thread(business, said="Do you have gluten-free cake?")
    row = inbox_conversations(business=business, filters=InboxFilters(), viewer=owner).get()
    assert row.last_text == "Do you have gluten-free cake?"
    assert row.last_direction == "in"
    assert row.unread is True
    conversation.team_read_at = timezone.now()
    conversation.save()
    row = inbox_conversations(business=business, filters=InboxFilters(), viewer=owner).get()
    assert row.unread is False


def test_unread_counts_threads_needing_a_person_the_team_has_not_read(business, other_business):
    now = timezone.now()
    thread(business)  # never read
    thread(business, team_read_at=now - timedelta(hours=1))  # customer wrote after the read
    thread(business, team_read_at=now)  # read
    thread(business, status=Status.BOT)  # the bot has it
    thread(business, status=Status.SNOOZED, snoozed_until=now + timedelta(hours=1))
    thread(business, status=Status.SNOOZED, snoozed_until=now - timedelta(seconds=1))  # woken
    thread(other_business)
    assert inbox_unread_count(business=business) == 3

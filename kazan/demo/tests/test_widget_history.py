"""The demo café's website chat history agrees with itself: every counter matches its event
rows, past days only, and a chat leads to at most one answer, redirect, form or hand-off."""

import random

import pytest

from kazan.analytics.enums import WIDGET_EVENT_KINDS
from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import business_today, counts_between
from kazan.demo.widget_history import widget_history_load

pytestmark = pytest.mark.django_db


def test_the_widget_history_counts_past_days_consistently(business, other_business):
    imported = widget_history_load(business=business, days=30, rng=random.Random(7))

    today = business_today(business=business)
    assert Event.objects.filter(business=business).count() == imported > 0
    totals = counts_between(
        business=business,
        start=today.replace(year=today.year - 1),
        end=today,
        kinds=WIDGET_EVENT_KINDS,
    )
    for kind in WIDGET_EVENT_KINDS:
        assert totals[kind] == Event.objects.filter(business=business, kind=kind).count(), kind
    assert totals[EventKind.CHAT_STARTED] >= 60  # at least two chats a day
    assert totals[EventKind.FAQ_ANSWERED] < totals[EventKind.CHAT_STARTED]
    assert not DailyCount.objects.filter(business=business, day=today).exists()
    assert not DailyCount.objects.filter(business=other_business).exists()

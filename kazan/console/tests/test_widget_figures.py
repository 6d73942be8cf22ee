"""The console's website widget figures: across all businesses on the overview (this month,
compared with the same days of last month), and per business on its page (this month / in
total) — from the daily counters the widget, FAQ bot, forms and hand-offs move."""

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache

from kazan.accounts.tests.staff import staff_sign_in
from kazan.analytics.enums import WIDGET_EVENT_KINDS
from kazan.analytics.models import EventKind
from kazan.analytics.services import event_record
from kazan.console.queries import overview_stats
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 20, 12, tzinfo=dt.UTC)


def _stat(body: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', body)
    assert match, f"no stat {name}"
    return match.group(1).strip()


def _count(business, kind, at: dt.datetime, times: int = 1) -> None:
    for _ in range(times):
        event_record(business=business, kind=kind, at=at)


@pytest.fixture
def history():
    """Two businesses' widget events this month, on the same days of last month, and after
    them (not compared)."""
    first = BusinessFactory(name="First Café", timezone="UTC")
    second = BusinessFactory(name="Second Shop", timezone="UTC")
    this_month = dt.datetime(2026, 12, 5, 10, tzinfo=dt.UTC)
    same_days = dt.datetime(2026, 11, 10, 10, tzinfo=dt.UTC)
    later_days = dt.datetime(2026, 11, 25, 10, tzinfo=dt.UTC)
    for business, chats in ((first, 6), (second, 4)):
        _count(business, EventKind.CHAT_STARTED, this_month, chats)
        _count(business, EventKind.CHAT_STARTED, same_days, 4)
        _count(business, EventKind.CHAT_STARTED, later_days, 50)
    _count(first, EventKind.HANDOFF, this_month, 3)
    _count(second, EventKind.FORM_SUBMITTED, this_month, 2)
    _count(second, EventKind.FORM_SUBMITTED, dt.datetime(2025, 1, 1, tzinfo=dt.UTC), 7)
    return first, second


def _page(client, staff_user, path: str) -> str:
    """The page as staff see it on NOW (signed in then: a session from today would be old)."""
    with time_machine.travel(NOW, tick=False):
        staff_sign_in(client, staff_user)
        response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_the_overview_totals_every_businesses_widget_figures(client, staff_user, history):
    cache.clear()
    body = _page(client, staff_user, "/console/")
    assert _stat(body, "widget-chat_started") == "10"
    assert _stat(body, "widget-handoff") == "3"
    assert _stat(body, "widget-form_submitted") == "2"
    assert _stat(body, "widget-faq_unanswered") == "0"
    # 10 chats against 8 on 1–20 November (the 100 of the 25th are not compared): +25 %.
    chats = re.search(r'data-stat="widget-chat_started">.*?</div></div>', body, re.S).group(0)
    assert 'data-change="25"' in chats
    assert "Website chat this month" in body


def test_the_snapshot_carries_each_widget_kind(history):
    with time_machine.travel(NOW, tick=False):
        stats = overview_stats(refresh=True)
    assert set(stats["widget_month"]) == {kind.value for kind in WIDGET_EVENT_KINDS}
    assert stats["widget_month"]["chat_started"] == 10
    assert stats["widget_previous"]["chat_started"] == 8


def test_a_business_page_shows_its_own_widget_figures(client, staff_user, history):
    _first, second = history
    body = _page(client, staff_user, f"/console/businesses/{second.pk}/")
    assert _stat(body, "widget-chat_started") == "4 / 58"
    assert _stat(body, "widget-form_submitted") == "2 / 9"
    assert _stat(body, "widget-handoff") == "0 / 0"  # the first business's are not here

"""The console overview: businesses, interactions, revenue, top businesses, loyalty figures,
from real rows; a fixed number of queries whatever the number of businesses."""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from kazan.analytics.models import EventKind
from kazan.billing.tests.factories import payment_at
from kazan.console.queries import STATS_CACHE_KEY, overview_stats
from kazan.console.tests.factories import events_on
from kazan.customers.tests.factories import CustomerFactory
from kazan.tenancy.models import Business
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = pytest.mark.django_db


def _stat(body: str, name: str) -> str:
    match = re.search(rf'data-stat="{name}">([^<]*)<', body)
    assert match, f"no stat {name}"
    return match.group(1).strip()


def _old(business, days=60):
    Business.objects.filter(pk=business.pk).update(created_at=timezone.now() - timedelta(days))


def test_overview_counts_businesses_interactions_and_loyalty(staff_client):
    busy = BusinessFactory(name="Busy Bakery")
    quiet = BusinessFactory(name="Quiet Quiche")
    stopped = BusinessFactory(name="Stopped Shop")
    BusinessFactory(name="Paused Pub", status=Business.Status.SUSPENDED)
    for business in (busy, quiet, stopped):
        _old(business)
    events_on(busy, count=5)
    events_on(busy, kind=EventKind.REVIEW_SUBMITTED, count=3)
    events_on(busy, kind=EventKind.VOUCHER_REDEEMED, count=1)
    events_on(quiet, count=2)
    events_on(quiet, kind=EventKind.VOUCHER_REDEEMED, count=4)
    events_on(stopped, days_ago=40, count=9)  # nothing for 40 days: inactive
    now = timezone.now()
    CustomerFactory(
        business=busy, first_interaction_at=now - timedelta(days=9), last_interaction_at=now
    )
    CustomerFactory(business=busy, first_interaction_at=now, last_interaction_at=now)

    body = staff_client.get("/console/").content.decode()

    assert _stat(body, "businesses-active") == "3"
    assert _stat(body, "businesses-suspended") == "1"
    assert _stat(body, "businesses-inactive") == "1"
    assert _stat(body, "month-qr_scan") == "7"  # the 40-day-old scans are last month's
    assert _stat(body, "month-review_submitted") == "3"
    assert _stat(body, "customers-total") == "2"
    assert _stat(body, "customers-returning") == "1"
    top = re.search(r'data-top="interactions">(.*?)</section>', body, re.S).group(1)
    assert top.index("Busy Bakery") < top.index("Quiet Quiche")
    assert "Stopped Shop" not in top  # nothing in the last 30 days
    redeemed = re.search(r'data-top="redeemed">(.*?)</section>', body, re.S).group(1)
    assert redeemed.index("Quiet Quiche") < redeemed.index("Busy Bakery")


def test_usage_by_weekday_and_hour_counts_in_the_business_time_zone(db):
    from zoneinfo import ZoneInfo

    from kazan.analytics.services import event_record

    moment = timezone.now().replace(hour=10, minute=30) - timedelta(days=1)  # 10:30 UTC
    for name in ("Europe/Berlin", "America/New_York"):
        event_record(business=BusinessFactory(timezone=name), kind=EventKind.QR_SCAN, at=moment)
    stats = overview_stats(refresh=True)
    for name in ("Europe/Berlin", "America/New_York"):
        local = moment.astimezone(ZoneInfo(name))
        assert stats["usage_grid"][local.isoweekday() - 1][local.hour] == 1, name
    assert sum(stats["usage_by_hour"]) == 2


def test_revenue_figures_come_from_paid_payments(staff_client, business):
    now = timezone.now()
    payment_at(business=business, amount_minor=2900, paid_at=now, created_at=now)
    payment_at(business=business, status="failed", amount_minor=900, created_at=now)
    body = staff_client.get("/console/").content.decode()
    assert "29" in _stat(body, "revenue-month")
    assert 'data-loss="failed"' in body
    failed = re.search(r'data-loss="failed"><td>[^<]*</td><td>([^<]*)</td>', body).group(1)
    assert failed.startswith("1 ·") and "9.00" in failed
    cancelled = re.search(r'data-loss="cancelled"><td>[^<]*</td><td>([^<]*)</td>', body).group(1)
    assert cancelled.startswith("0 ·")


def test_the_snapshot_is_cached_and_recalculated_on_request(staff_client, business):
    _old(business)
    staff_client.get("/console/")
    assert cache.get(STATS_CACHE_KEY)["interactions_month_total"] == 0
    events_on(business, count=4)
    body = staff_client.get("/console/").content.decode()
    assert _stat(body, "interactions-month") == "0"  # still the snapshot
    response = staff_client.post("/console/", follow=True)
    assert _stat(response.content.decode(), "interactions-month") == "4"


def test_overview_queries_do_not_grow_with_the_number_of_businesses(
    staff_client, django_assert_max_num_queries
):
    def fill(count):
        for _ in range(count):
            business = BusinessFactory()
            events_on(business, count=2)
            payment_at(business=business, amount_minor=900)

    fill(2)
    cache.clear()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        staff_client.get("/console/")
    fill(20)
    cache.clear()
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff_client.get("/console/")

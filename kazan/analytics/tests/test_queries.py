"""Analytics reads: month to date, series by day and by month, social clicks — per business, in
the business's time zone, a fixed number of queries."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.analytics.models import DailyCount, EventKind
from kazan.analytics.queries import (
    business_today,
    counts_month_to_date,
    series_daily,
    series_monthly,
    social_clicks_by_network,
)
from kazan.analytics.services import event_record

pytestmark = pytest.mark.django_db
QR = EventKind.QR_SCAN


def _row(business, day, count, kind=QR):
    DailyCount.objects.create(business=business, kind=kind, day=day, count=count)


def test_event_record_counts_by_the_business_local_day(business):
    business.timezone = "Asia/Tokyo"
    # 20:00 UTC on 1 March is 05:00 on 2 March in Tokyo
    at = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    event_record(business=business, kind=QR, at=at)
    event_record(business=business, kind=QR, at=at)
    row = DailyCount.objects.get(business=business, kind=QR)
    assert row.day == dt.date(2026, 3, 2) and row.count == 2


def test_month_to_date_sums_this_local_month_only(business, other_business):
    today = business_today(business=business)
    first = today.replace(day=1)
    _row(business, first, 3)
    _row(business, today, 4, EventKind.OTP_SENT)
    _row(business, first - dt.timedelta(days=1), 100)  # last month
    _row(other_business, today, 1000)
    totals = counts_month_to_date(business=business)
    assert set(totals) == set(EventKind.values)  # every kind present
    assert totals[QR] == 3 and totals[EventKind.OTP_SENT] == 4
    assert totals[EventKind.VOUCHER_REDEEMED] == 0


def test_daily_series_has_30_days_ending_today_with_zeros(business, other_business):
    today = business_today(business=business)
    _row(business, today, 5)
    _row(business, today - dt.timedelta(days=29), 2)
    _row(business, today - dt.timedelta(days=30), 99)  # outside the window
    _row(other_business, today, 77)

    data = series_daily(business=business, kinds=[QR, EventKind.OTP_VERIFIED])

    assert len(data["days"]) == 30
    assert data["days"][0] == today - dt.timedelta(days=29) and data["days"][-1] == today
    assert data["series"][QR][0] == 2 and data["series"][QR][-1] == 5
    assert sum(data["series"][QR]) == 7
    assert data["series"][EventKind.OTP_VERIFIED] == [0] * 30


def test_monthly_series_has_12_months_ending_this_month(business):
    today = business_today(business=business)
    this_month = today.replace(day=1)
    eleven_ago = dt.date(
        (this_month.year * 12 + this_month.month - 12) // 12,
        (this_month.year * 12 + this_month.month - 12) % 12 + 1,
        1,
    )
    _row(business, this_month, 1)
    _row(business, today, 2, EventKind.OTP_SENT)
    _row(business, eleven_ago + dt.timedelta(days=3), 4)
    _row(business, eleven_ago - dt.timedelta(days=1), 50)  # twelve months ago: outside

    data = series_monthly(business=business, kinds=[QR, EventKind.OTP_SENT])

    assert data["months"][0] == eleven_ago and data["months"][-1] == this_month
    assert len(data["months"]) == 12
    assert data["series"][QR] == [4] + [0] * 10 + [1]
    assert data["series"][EventKind.OTP_SENT] == [0] * 11 + [2]


def test_today_is_the_business_local_day(business, monkeypatch):
    # 23:30 UTC on 31 January is already 1 February in Berlin
    fixed = dt.datetime(2026, 1, 31, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed)
    business.timezone = "Europe/Berlin"
    assert business_today(business=business) == dt.date(2026, 2, 1)
    business.timezone = "America/New_York"
    assert business_today(business=business) == dt.date(2026, 1, 31)
    _row(business, dt.date(2026, 1, 31), 6)
    assert counts_month_to_date(business=business, kinds=[QR]) == {QR: 6}
    business.timezone = "Europe/Berlin"
    assert counts_month_to_date(business=business, kinds=[QR]) == {QR: 0}


def test_social_clicks_per_network(business, other_business):
    for network in ["instagram", "instagram", "facebook", "tiktok"]:
        event_record(business=business, kind=EventKind.SOCIAL_CLICK, data={"network": network})
    event_record(business=business, kind=EventKind.SOCIAL_CLICK, data={})
    event_record(business=other_business, kind=EventKind.SOCIAL_CLICK, data={"network": "tiktok"})
    event_record(business=business, kind=QR, data={"network": "instagram"})  # not a social click

    clicks = social_clicks_by_network(business=business)

    assert clicks == {"website": 0, "instagram": 2, "facebook": 1, "tiktok": 1, "other": 1}
    future = timezone.now() + dt.timedelta(days=1)
    assert sum(social_clicks_by_network(business=business, since=future).values()) == 0


def test_queries_are_constant_in_the_amount_of_data(business, django_assert_num_queries):
    today = business_today(business=business)
    for n in range(60):
        for kind in (QR, EventKind.OTP_VERIFIED, EventKind.REVIEW_SUBMITTED):
            _row(business, today - dt.timedelta(days=n * 5), n + 1, kind)
    with django_assert_num_queries(1):
        series_daily(business=business)
    with django_assert_num_queries(1):
        series_monthly(business=business)
    with django_assert_num_queries(1):
        counts_month_to_date(business=business)
    with django_assert_num_queries(1):
        social_clicks_by_network(business=business)

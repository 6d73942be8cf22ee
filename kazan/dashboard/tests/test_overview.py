"""The overview's month numbers and charts: counted per business in its time zone, shown in its
locale, handed to Chart.js through json_script, in a fixed number of queries."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.urls import reverse

from kazan.analytics.models import DailyCount, EventKind
from kazan.analytics.queries import business_today, same_days_last_month
from kazan.analytics.services import event_record
from kazan.billing.testing import limits_give
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.services import review_submit, voucher_redeem, voucher_welcome_issue
from kazan.messaging.services import sms_credits_grant

pytestmark = pytest.mark.django_db


def _stat(html: str, name: str) -> str:
    start = html.index(f'data-stat="{name}">') + len(f'data-stat="{name}">')
    return html[start : html.index("<", start)]


def _chart(html: str) -> dict:
    match = re.search(
        r'<script id="overview-chart-data" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def _dataset(block: dict, kind: str) -> list[int]:
    return next(d["data"] for d in block["datasets"] if d["kind"] == kind)


def _funnel(business, owner, customers: int) -> None:
    """Every step of the review funnel, through the real services."""
    for n in range(customers):
        customer = CustomerFactory(business=business)
        event_record(business=business, kind=EventKind.QR_SCAN)
        event_record(business=business, kind=EventKind.OTP_VERIFIED, customer=customer)
        review_submit(business=business, customer=customer, rating=4 + n % 2)
        voucher, _ = voucher_welcome_issue(business=business, customer=customer)
        if n % 2 == 0:
            voucher_redeem(business=business, code=voucher.code, actor=owner)
        event_record(business=business, kind=EventKind.GOOGLE_REVIEW_CLICK, customer=customer)
        event_record(
            business=business,
            kind=EventKind.SOCIAL_CLICK,
            data={"network": "instagram" if n % 2 else "facebook"},
        )


def test_overview_shows_this_month_numbers(owner_client, business, other_business, owner):
    _funnel(business, owner, customers=4)
    _funnel(other_business, owner, customers=3)  # never counted here
    event_record(business=business, kind=EventKind.QR_SCAN)  # a scan that went no further

    html = owner_client.get(reverse("dashboard:home")).content.decode()

    assert _stat(html, "customers") == "4"
    assert _stat(html, "month-qr_scan") == "5"
    assert _stat(html, "month-otp_verified") == "4"
    assert _stat(html, "month-reviews") == "4"
    assert "average 4.5 ★" in html
    assert _stat(html, "month-google_review_click") == "4"
    assert _stat(html, "month-voucher_issued") == "4"
    assert _stat(html, "month-voucher_redeemed") == "2"
    assert _stat(html, "social-instagram") == "2"
    assert _stat(html, "social-facebook") == "2"
    assert _stat(html, "social-tiktok") == "0"


def test_overview_chart_data_by_day_and_by_month(owner_client, business, owner):
    _funnel(business, owner, customers=2)
    today = business_today(business=business)
    ten_days_ago = today - dt.timedelta(days=10)
    DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=ten_days_ago, count=7)

    data = _chart(owner_client.get(reverse("dashboard:home")).content.decode())

    day, month = data["day"], data["month"]
    assert len(day["labels"]) == 30 and len(month["labels"]) == 12
    qr_by_day = _dataset(day, EventKind.QR_SCAN)
    assert qr_by_day[-1] == 2 and qr_by_day[-11] == 7 and sum(qr_by_day) == 9
    assert _dataset(day, EventKind.VOUCHER_REDEEMED)[-1] == 1
    qr_by_month = _dataset(month, EventKind.QR_SCAN)
    assert sum(qr_by_month) == 9 and qr_by_month[-1] == (
        9 if ten_days_ago.month == today.month else 2
    )
    kinds = {d["kind"] for d in day["datasets"]}
    assert {EventKind.QR_SCAN, EventKind.OTP_VERIFIED, EventKind.REVIEW_SUBMITTED} <= kinds
    assert {EventKind.VOUCHER_ISSUED, EventKind.VOUCHER_REDEEMED, EventKind.SOCIAL_CLICK} <= kinds


# What a reader sees in each dashboard language on 5 December 2026: the grouping of 12,345 and
# 2,500, the month heading, the last 30 days' first tick (6 November) and the month's label.
LOCALES = {
    "en": ("12,345", "2,500", "December 2026", "11/06/2026", "December 2026 (to date)"),
    "de": ("12.345", "2.500", "Dezember 2026", "06.11.2026", "Dezember 2026 (bis heute)"),
    "tr": ("12.345", "2.500", "Aralık 2026", "06 Kas 2026", "Aralık 2026 (bugüne kadar)"),
    "it": ("12.345", "2.500", "Dicembre 2026", "06/11/2026", "Dicembre 2026 (finora)"),
    "es": (
        "12\u00a0345",
        "2\u00a0500",
        "diciembre de 2026",
        "06/11/2026",
        "diciembre de 2026 (hasta hoy)",
    ),
}


@pytest.mark.parametrize("language", LOCALES)
def test_overview_follows_the_readers_language(owner_client, business, owner, language):
    limits_give(business, analytics_days=None)  # all history: 12 whole months
    """The business writes English; the member reads in their own language, and every number,
    month name and chart date follows that language (Django's locale formats)."""
    grouped, credits, month, first_day, month_label = LOCALES[language]
    business.language = "en"
    business.timezone = "UTC"
    business.save()
    with time_machine.travel(dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC), tick=False):
        DailyCount.objects.create(
            business=business, kind=EventKind.QR_SCAN, day=dt.date(2026, 12, 2), count=12345
        )
        sms_credits_grant(business=business, amount=2500, actor=owner)
        html = owner_client.get(
            reverse("dashboard:home"), HTTP_ACCEPT_LANGUAGE=language
        ).content.decode()

    assert _stat(html, "month-qr_scan") == grouped
    assert _stat(html, "sms-remaining") == credits
    assert f"({month})" in html  # "This month (Dezember 2026)"
    charts = _chart(html)
    assert charts["day"]["labels"][0] == first_day
    assert charts["day"]["dates"][0] == "2026-11-06"
    assert charts["month"]["labels"][-1] == month_label
    assert charts["month"]["dates"][-1] == "2026-12-01" and charts["month"]["partial"] == [11]


def test_overview_chart_is_drawn_with_the_vendored_chart_js(owner_client):
    html = owner_client.get(reverse("dashboard:home")).content.decode()
    assert "vendor/chart-4.6.1.umd.min.js" in html and "dashboard/overview.js" in html
    assert 'id="overview-chart"' in html
    assert "style=" not in html  # strict CSP: no inline style attributes


def test_overview_queries_do_not_grow_with_data(
    owner_client, business, owner, django_assert_max_num_queries
):
    limits_give(business, analytics_days=None)
    _funnel(business, owner, customers=2)
    with django_assert_max_num_queries(32) as few:  # + the plan: its history, its trial entry
        owner_client.get(reverse("dashboard:home"))
    baseline = len(few.captured_queries)
    _funnel(business, owner, customers=25)
    today = business_today(business=business)
    for n in range(1, 300):
        DailyCount.objects.create(
            business=business,
            kind=EventKind.OTP_VERIFIED,
            day=today - dt.timedelta(days=n),
            count=n,
        )
    with django_assert_max_num_queries(baseline):
        owner_client.get(reverse("dashboard:home"))


@pytest.mark.parametrize(
    ("today", "previous"),
    [
        (dt.date(2027, 3, 31), (dt.date(2027, 2, 1), dt.date(2027, 2, 28))),  # 31st → February
        (dt.date(2028, 3, 31), (dt.date(2028, 2, 1), dt.date(2028, 2, 29))),  # leap year
        (dt.date(2026, 12, 1), (dt.date(2026, 11, 1), dt.date(2026, 11, 1))),  # the 1st
        (dt.date(2027, 1, 15), (dt.date(2026, 12, 1), dt.date(2026, 12, 15))),  # over new year
        (dt.date(2026, 10, 31), (dt.date(2026, 9, 1), dt.date(2026, 9, 30))),
    ],
)
def test_same_days_last_month(today, previous):
    assert same_days_last_month(today) == previous


def _scans(business, counts: dict) -> None:
    for day, count in counts.items():
        DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=day, count=count)


@pytest.mark.parametrize(
    ("now", "counts", "change", "compared"),
    [
        # On 31 March: all of March (10) against 1–28 February (8); 31 January is not compared.
        (
            dt.datetime(2027, 3, 31, 20, tzinfo=dt.UTC),
            {
                dt.date(2027, 3, 1): 4,
                dt.date(2027, 3, 31): 6,
                dt.date(2027, 2, 28): 8,
                dt.date(2027, 1, 31): 100,
            },
            "25",
            "(02/01/2027 – 02/28/2027)",
        ),
        # On the 1st: the 1st against the 1st, not against the whole previous month.
        (
            dt.datetime(2027, 3, 1, 9, tzinfo=dt.UTC),
            {dt.date(2027, 3, 1): 3, dt.date(2027, 2, 1): 2, dt.date(2027, 2, 2): 50},
            "50",
            "(02/01/2027 – 02/01/2027)",
        ),
    ],
)
def test_month_over_month_compares_the_same_days(
    owner_client, business, owner, now, counts, change, compared
):
    business.timezone = "UTC"
    business.save()
    _scans(business, counts)
    with time_machine.travel(now, tick=False):
        owner_client.force_login(owner)  # a session of that day
        html = owner_client.get(reverse("dashboard:home")).content.decode()
    tile = html[html.index('data-stat="month-qr_scan"') :]
    assert re.search(r'data-change="(-?\d+)"', tile).group(1) == change
    assert compared in html


def test_current_month_is_marked_to_date(owner_client, business, owner):
    limits_give(business, analytics_days=None)
    with time_machine.travel(dt.datetime(2027, 2, 28, 12, tzinfo=dt.UTC), tick=False):
        owner_client.force_login(owner)
        month = _chart(owner_client.get(reverse("dashboard:home")).content.decode())["month"]
    assert month["labels"][-1] == "February 2027 (to date)"
    assert month["labels"][-2] == "January 2027"
    assert month["partial"] == [11]

"""The overview's month numbers and charts: counted per business in its time zone, shown in its
locale, handed to Chart.js through json_script, in a fixed number of queries."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from kazan.analytics.models import DailyCount, EventKind
from kazan.analytics.queries import business_today
from kazan.analytics.services import event_record
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


def test_overview_formats_numbers_and_dates_in_the_business_locale(owner_client, business, owner):
    business.language = "de"
    business.save()
    today = business_today(business=business)
    DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=today, count=12345)
    sms_credits_grant(business=business, amount=2500, actor=owner)

    html = owner_client.get(reverse("dashboard:home")).content.decode()

    assert _stat(html, "month-qr_scan") == "12.345"
    assert _stat(html, "sms-remaining") == "2.500"
    labels = _chart(html)["day"]["labels"]
    assert labels[-1] == today.strftime("%d.%m.%Y")  # German short date


def test_overview_chart_is_drawn_with_the_vendored_chart_js(owner_client):
    html = owner_client.get(reverse("dashboard:home")).content.decode()
    assert "vendor/chart-4.6.1.umd.min.js" in html and "dashboard/overview.js" in html
    assert 'id="overview-chart"' in html
    assert "style=" not in html  # strict CSP: no inline style attributes


def test_overview_queries_do_not_grow_with_data(
    owner_client, business, owner, django_assert_max_num_queries
):
    _funnel(business, owner, customers=2)
    with django_assert_max_num_queries(30) as few:
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

"""The loaded demo tells one consistent story: every figure the dashboard and the console show
agrees with the rows behind it (issue 9: reviews, SMS against verifications, details entered,
returning customers, revenue months without interactions)."""

import datetime as dt
import zoneinfo

import pytest
from django.core.management import call_command
from django.db.models import Count, F, Sum

from kazan.analytics import platform
from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import business_today
from kazan.billing.models import Payment
from kazan.billing.revenue import revenue_overview
from kazan.customers.models import Customer
from kazan.customers.queries import unscoped_customers_platform_stats
from kazan.dashboard.queries import overview
from kazan.demo.services import DEMO_SLUG
from kazan.demo.telegram_crm import CRM_SLUG
from kazan.loyalty.models import Review, Voucher
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.queries import sms_usage
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def _series(block: dict, kind: str) -> list[int]:
    return next(d["data"] for d in block["datasets"] if d["kind"] == kind)


def _events(business, kind: str) -> int:
    return Event.objects.filter(business=business, kind=kind).count()


def test_every_demo_figure_agrees_with_its_rows(capsys):
    call_command("demo_load")
    tasks_run_all()  # the worker delivers the demo's SMS like any others
    cafe = Business.objects.get(slug=DEMO_SLUG)
    stats = overview(business=cafe)
    day, month = stats["charts"]["day"], stats["charts"]["month"]

    # (a) the charts add up to the tiles and to the rows, for the same period
    for kind in ("qr_scan", "otp_verified", "voucher_issued", "voucher_redeemed"):
        assert _series(month, kind)[-1] == stats["month"][kind], kind
    assert _series(month, "review_submitted")[-1] == stats["reviews_month"]["count"]
    assert sum(_series(month, "review_submitted")) == stats["reviews"]["count"]
    assert stats["reviews"]["count"] == Review.objects.filter(business=cafe).count() > 25
    first_day = dt.date.fromisoformat(day["dates"][0])
    zone = zoneinfo.ZoneInfo(cafe.timezone)
    review_days = [
        created.astimezone(zone).date()
        for created in Review.objects.filter(business=cafe).values_list("created_at", flat=True)
    ]
    reviews_30_days = sum(first_day <= day <= business_today(business=cafe) for day in review_days)
    assert sum(_series(day, "review_submitted")) == reviews_30_days
    assert sum(_series(month, "voucher_issued")) == Voucher.objects.filter(business=cafe).count()

    for business in Business.objects.all():
        counters = dict(
            DailyCount.objects.filter(business=business)
            .values("kind")
            .annotate(total=Sum("count"))
            .values_list("kind", "total")
        )
        # every counter is the count of its events
        for kind, total in counters.items():
            assert total == _events(business, kind), (business.slug, kind)
        reviews = Review.objects.filter(business=business).count()
        assert counters.get(EventKind.REVIEW_SUBMITTED, 0) == reviews, business.slug
        if EventKind.QR_SCAN not in counters:
            continue  # the demo shop sells on WhatsApp: it has no QR review funnel
        # (b) nobody verifies a phone without having typed their details first
        verified = counters.get(EventKind.OTP_VERIFIED, 0)
        assert counters.get(EventKind.DATA_ENTERED, 0) >= verified > 0, business.slug
        assert counters[EventKind.QR_SCAN] >= counters[EventKind.DATA_ENTERED], business.slug
        # (c) every verification code was an SMS, and "SMS sent" counts it
        otp_sms = OutboundMessage.objects.filter(business=business, purpose=Purpose.OTP)
        assert otp_sms.count() == counters[EventKind.OTP_SENT] == verified, business.slug
        assert sms_usage(business=business)["sent"] >= otp_sms.count(), business.slug

    # (c) on the café's overview too: SMS sent this month include the month's codes
    assert stats["sms_month"]["sent"] >= stats["month"]["otp_verified"]

    # (d) guests came back, and the console counts them
    returning = unscoped_customers_platform_stats()["returning"]
    assert returning >= 1
    came_back = (
        Review.objects.values("customer").annotate(n=Count("id")).filter(n__gt=1).count()
    )  # a review on each visit
    # the Telegram CRM's customers wrote to its bot again on later days (their orders)
    came_back += Customer.objects.filter(
        business__slug=CRM_SLUG, last_interaction_at__gt=F("first_interaction_at")
    ).count()
    assert returning == came_back
    assert Voucher.objects.filter(redeemed_at__isnull=False).exists()

    # (e) the console: every month with revenue has interactions
    money = revenue_overview()
    interactions = platform.unscoped_interactions_monthly(today=money.now.date(), months=12)
    totals = {
        month_start: sum(values[n] for values in interactions["series"].values())
        for n, month_start in enumerate(interactions["months"])
    }
    paid_months = [m.month for m in money.platform.last_12_months if m.amount_minor]
    assert len(paid_months) >= 3
    for paid in paid_months:
        assert totals[paid] > 0, paid
    # and no business paid before it joined
    for business in Business.objects.all():
        first_paid = (
            Payment.objects.filter(business=business, status="paid")
            .order_by("paid_at")
            .values_list("paid_at", flat=True)
            .first()
        )
        assert first_paid is None or first_paid >= business.created_at, business.slug

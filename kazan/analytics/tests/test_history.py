"""The plan's analytics history, shown and kept (decision 0033): the business dashboard's
charts, reports and the analytics API start no earlier than the plan's window and say so; the
console's staff see everything; a daily job deletes the raw events past the window (the daily
counters stay), and one business's plan never reaches another's rows."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import analytics_history, business_today
from kazan.analytics.services import events_import
from kazan.analytics.services.history import (
    events_history_purge,
    unscoped_events_history_purge,
)
from kazan.analytics.tasks import events_history_purge as events_history_purge_task
from kazan.billing.testing import limits_give
from kazan.console.queries import business_numbers
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def _scans(business, *days_ago: int) -> None:
    """QR scans `days_ago` days before now, with their daily counters."""
    now = timezone.now()
    events_import(
        business=business,
        events=[(EventKind.QR_SCAN, now - dt.timedelta(days=n), {}) for n in days_ago],
    )


def _chart(html: str, name: str) -> dict:
    match = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1))


def test_the_window_is_the_plans_days_in_the_business_time_zone(business):
    limits_give(business, analytics_days=30)
    history = analytics_history(business=business)
    assert history.days == 30
    assert history.first_day == business_today(business=business) - dt.timedelta(days=30)
    limits_give(business, analytics_days=None)
    assert analytics_history(business=business).first_day is None


def test_the_overview_shows_nothing_older_than_the_plan_and_says_so(owner_client, business):
    limits_give(business, analytics_days=30)
    _scans(business, 1, 45, 200)
    first_day = analytics_history(business=business).first_day
    page = owner_client.get(reverse("dashboard:home")).content.decode()
    assert "Your plan shows the last 30 days." in page
    charts = _chart(page, "overview-chart-data")
    assert min(dt.date.fromisoformat(day) for day in charts["day"]["dates"]) >= first_day
    month = charts["month"]
    assert len(month["dates"]) <= 2
    scans = next(d["data"] for d in month["datasets"] if d["kind"] == EventKind.QR_SCAN)
    assert sum(scans) == 1  # the scans 45 and 200 days ago are not shown
    assert 'data-stat="month-compare"' not in page  # last month lies outside the window


def test_the_chat_periods_go_no_further_than_the_plan(owner_client, business):
    limits_give(business, analytics_days=30)
    page = owner_client.get(reverse("dashboard:home") + "?chat=90").content.decode()
    assert 'data-chat-period="90"' not in page
    assert 'data-chat-period="30"' in page
    assert 'data-chat-period="month" aria-current="true"' in page


def test_a_plan_with_more_history_shows_more(owner_client, business):
    limits_give(business, analytics_days=None)
    _scans(business, 1, 200)
    page = owner_client.get(reverse("dashboard:home") + "?chat=90").content.decode()
    assert "Your plan shows the last" not in page
    assert 'data-chat-period="90" aria-current="true"' in page
    month = _chart(page, "overview-chart-data")["month"]
    assert len(month["dates"]) == 12
    assert sum(next(d["data"] for d in month["datasets"] if d["kind"] == "qr_scan")) == 2


def test_the_analytics_api_moves_from_up_to_the_plans_first_day(owner_client, business):
    limits_give(business, analytics_days=30)
    today = business_today(business=business)
    response = owner_client.get(
        "/api/v1/analytics/widget",
        {"from": (today - dt.timedelta(days=90)).isoformat(), "to": today.isoformat()},
    )
    body = response.json()
    first_day = analytics_history(business=business).first_day
    assert body["first_day"] == first_day.isoformat()
    assert body["days"][0]["day"] == first_day.isoformat()


def test_the_console_is_not_clamped(business):
    limits_give(business, analytics_days=30)
    _scans(business, 1, 200)
    assert business_numbers(business=business)["total"][EventKind.QR_SCAN] == 2


def test_the_purge_deletes_only_events_past_the_plans_history(business, other_business):
    limits_give(business, analytics_days=30)
    limits_give(other_business, analytics_days=None)
    _scans(business, 1, 45)
    _scans(other_business, 1, 45)
    assert events_history_purge(business=business) == 1
    kept = Event.objects.filter(business=business)
    assert kept.count() == 1 and kept.get().occurred_at > timezone.now() - dt.timedelta(days=2)
    assert Event.objects.filter(business=other_business).count() == 2  # its plan keeps all
    # The daily counters stay (the console's figures); the dashboard does not show them.
    assert DailyCount.objects.filter(business=business).count() == 2
    assert events_history_purge(business=business) == 0  # safe to run twice


def test_the_daily_job_spares_a_suspended_business(business, other_business):
    limits_give(business, analytics_days=30)
    limits_give(other_business, analytics_days=30)
    _scans(business, 45)
    _scans(other_business, 45)
    Business.objects.filter(pk=other_business.pk).update(status=Business.Status.SUSPENDED)
    assert unscoped_events_history_purge() == 1
    assert not Event.objects.filter(business=business).exists()
    assert Event.objects.filter(business=other_business).count() == 1


def test_the_daily_job_starts_no_trial_and_spares_a_business_from_before_plans(
    business, other_business, settings
):
    from kazan.billing.models import Plan, PlanSubscription

    Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).update(analytics_days=30)
    limits_give(business, analytics_days=30)
    _scans(business, 45)
    _scans(other_business, 45)  # no plan subscription yet: its trial starts on its first use
    assert unscoped_events_history_purge() == 1
    assert Event.objects.filter(business=other_business).count() == 1
    assert not PlanSubscription.objects.filter(business=other_business).exists()


def test_the_purge_runs_daily_as_a_task(business):
    from apscheduler.triggers.cron import CronTrigger
    from crontask import scheduler

    limits_give(business, analytics_days=30)
    _scans(business, 45)
    assert events_history_purge_task.call() == 1
    job = {job.name: job for job in scheduler.get_jobs()}["events_history_purge"]
    assert isinstance(job.trigger, CronTrigger)
    assert str(job.trigger.fields[job.trigger.FIELD_NAMES.index("day")]) == "*"

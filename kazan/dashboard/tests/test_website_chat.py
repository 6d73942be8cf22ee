"""The overview's "Website chat" section: the widget's and FAQ bot's figures for the chosen
period, counted through analytics' own service, in the reader's locale, charted per day by
the vendored Chart.js, in one query whatever the data."""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kazan.analytics.enums import WIDGET_EVENT_KINDS
from kazan.analytics.models import DailyCount, EventKind
from kazan.analytics.queries import business_today
from kazan.analytics.services import event_count
from kazan.billing.testing import limits_give
from kazan.dashboard import views
from kazan.dashboard.tests.test_overview import _stat

pytestmark = pytest.mark.django_db


def _chart(html: str) -> dict:
    match = re.search(
        r'<script id="chat-chart-data" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(match.group(1))


def _home(client, query: str = "", **extra) -> str:
    return client.get(reverse("dashboard:home") + query, **extra).content.decode()


@pytest.fixture
def counted(business, other_business):
    """Every widget kind counted today (n + 1 times for the n-th kind), 40 days ago and 10 days
    ago; the other business counts too, never shown here."""
    today = business_today(business=business)
    for n, kind in enumerate(WIDGET_EVENT_KINDS):
        for _ in range(n + 1):
            event_count(business=business, kind=kind)
        event_count(business=other_business, kind=kind)
    for days_ago in (10, 40):
        DailyCount.objects.create(
            business=business,
            kind=EventKind.CHAT_STARTED,
            day=today - dt.timedelta(days=days_ago),
            count=100,
        )
    return today


def test_the_section_shows_each_figure_of_the_period(owner_client, counted):
    html = _home(owner_client, "?chat=7")
    expected = {kind.value: n + 1 for n, kind in enumerate(WIDGET_EVENT_KINDS)}
    assert {kind: int(_stat(html, f"chat-{kind}")) for kind in expected} == expected
    assert "Website chat" in html and "Hand-offs to a person" in html
    assert 'href="?chat=7#website-chat" data-chat-period="7" aria-current="true"' in html


@pytest.mark.parametrize(("query", "chats"), [("?chat=30", 101), ("?chat=90", 201)])
def test_a_longer_period_counts_the_earlier_days(owner_client, counted, query, chats):
    assert _stat(_home(owner_client, query), "chat-chat_started") == f"{chats:,}"


@pytest.mark.parametrize("query", ["", "?chat=nonsense", "?chat=-1", "?chat=07"])
def test_this_month_is_the_default_period(owner_client, counted, query):
    html = _home(owner_client, query)
    this_month = 1 + (100 if (counted - dt.timedelta(days=10)).month == counted.month else 0)
    assert _stat(html, "chat-chat_started") == str(this_month)
    assert 'data-chat-period="month" aria-current="true"' in html


def test_the_chart_has_a_line_per_kind_and_a_point_per_day(owner_client, counted):
    chart = _chart(_home(owner_client, "?chat=30"))["day"]
    assert len(chart["dates"]) == len(chart["labels"]) == 30
    assert chart["dates"][-1] == counted.isoformat()
    lines = {d["kind"]: d["data"] for d in chart["datasets"]}
    assert list(lines) == [kind.value for kind in WIDGET_EVENT_KINDS]
    assert lines["chat_started"][-1] == 1 and lines["chat_started"][-11] == 100
    assert lines["handoff"][-1] == len(WIDGET_EVENT_KINDS)
    html = _home(owner_client)
    assert 'id="chat-chart"' in html and "dashboard/overview.js" in html


@pytest.mark.parametrize(
    ("language", "grouped", "first_day"),
    [
        ("en", "12,345", "11/29/2026"),
        ("de", "12.345", "29.11.2026"),
        ("es", "12\u00a0345", "29/11/2026"),
    ],
)
def test_the_figures_follow_the_readers_language(
    owner_client, business, language, grouped, first_day
):
    business.timezone = "UTC"
    business.save()
    with time_machine.travel(dt.datetime(2026, 12, 5, 12, tzinfo=dt.UTC), tick=False):
        DailyCount.objects.create(
            business=business, kind=EventKind.FAQ_ANSWERED, day=dt.date(2026, 12, 2), count=12345
        )
        html = _home(owner_client, "?chat=7", HTTP_ACCEPT_LANGUAGE=language)
    assert _stat(html, "chat-faq_answered") == grouped
    assert _chart(html)["day"]["labels"][0] == first_day


def test_the_section_costs_one_query_whatever_the_data(owner_client, business, counted):
    limits_give(business, analytics_days=None)  # the plan's subscription exists already

    def widget_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            owner_client.get(reverse("dashboard:home") + "?chat=90")
        sql = [q["sql"] for q in captured.captured_queries]
        return sum("chat_started" in s for s in sql), len(sql)

    section, before = widget_queries()
    assert section == 1
    for n in range(1, 200):
        for kind in WIDGET_EVENT_KINDS:
            DailyCount.objects.get_or_create(
                business=business,
                kind=kind,
                day=counted - dt.timedelta(days=n),
                defaults={"count": n},
            )
    assert widget_queries() == (1, before)


def test_unanswered_questions_link_to_the_faq_page_when_there_is_one(owner_client, counted):
    url = views._url_if_known("faq:unanswered")
    html = _home(owner_client)
    if url:
        assert f'href="{url}" data-link="unanswered"' in html
    else:
        assert 'data-link="unanswered"' not in html  # no FAQ pages: a plain label


def test_a_url_name_no_app_serves_gives_no_link():
    assert views._url_if_known("dashboard:home") == "/dashboard/"
    assert views._url_if_known("nowhere:nothing") == ""


def test_an_agent_sees_the_section_too(client, business, counted):
    from kazan.tenancy.models import Role
    from kazan.tenancy.tests.factories import MembershipFactory

    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    assert _stat(_home(client, "?chat=7"), "chat-handoff") == str(len(WIDGET_EVENT_KINDS))

"""The panel's overview (seed 004 §3.4.1, UC-003): its figures on a known data set, its
charts' data, the health block and the alerts, who sees what, and a bounded query count."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kazan.crm import panel_queries as queries
from kazan.crm.tests.panel_world import crm_world, purchase, token_order
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

URL = "/dashboard/crm/"


def _client(client, business, role):
    client.force_login(MembershipFactory(business=business, role=role).user)
    return client


def test_the_figures_of_a_known_data_set(business):
    crm_world(business)

    figures = queries.panel_figures(business=business, days=30)

    assert (figures.users, figures.profiles, figures.subscribers) == (3, 3, 1)
    orders = figures.orders
    assert orders.orders_total == 6
    assert orders.revenue_total == 1350
    assert orders.revenue_period == 350
    assert orders.orders_period == 5
    assert orders.by_status == {
        "pending": 1,
        "processing": 0,
        "assigned": 1,
        "completed": 2,
        "cancelled": 1,
    }
    assert orders.completion_rate == pytest.approx(0.4)
    assert orders.average_tokens == 175
    assert figures.money.total == {"USD": 1500}
    assert figures.money.tokens_bought == 100


def test_the_charts_data_sums_to_the_figures(business):
    crm_world(business)

    charts = queries.panel_charts(business=business, days=30)

    assert len(charts["labels"]) == 30
    revenue = {row["key"]: row["data"] for row in charts["revenue"]["datasets"]}
    assert sum(revenue["tokens"]) == 350
    assert sum(revenue["money"]) == pytest.approx(15.0)
    assert dict(zip(charts["status"]["keys"], charts["status"]["data"], strict=True)) == {
        "pending": 1,
        "processing": 0,
        "assigned": 1,
        "completed": 2,
        "cancelled": 1,
    }
    # The queue's own words: a pending token order waits in the queue, not for a payment.
    assert charts["status"]["labels"][0] == "Waiting"
    growth = {row["key"]: sum(row["data"]) for row in charts["growth"]["datasets"]}
    assert growth == {"users": 3, "profiles": 3, "subscribers": 1}
    assert charts["packages"][0] == {"label": "100 sites", "count": 2}
    assert sum(row["count"] for row in charts["packages"]) == 5


def test_a_shorter_period_leaves_older_orders_out(business):
    world = crm_world(business)
    token_order(
        business, world.carol, world.packages[100], status="completed", age=dt.timedelta(days=8)
    )

    week = queries.panel_figures(business=business, days=7)

    assert week.orders.orders_period == 5
    assert queries.panel_figures(business=business, days=30).orders.orders_period == 6


def test_health_and_alerts_point_at_what_to_do(business, settings):
    settings.CRM_ORDER_WAIT_ALERT_HOURS = 24
    world = crm_world(business)
    # a tokens purchase paid at the gateway but never credited
    purchase(business, world.carol, status="paid", amount=700)
    OutboundMessage.objects.create(
        business=business,
        customer=world.bob,
        channel="telegram",
        body="x",
        purpose="transactional",
        status="failed",
        failed_at=timezone.now(),
        idempotency_key="failed-1",
        error_code="blocked",
    )

    health = queries.panel_health(business=business)
    alerts = queries.panel_alerts(
        business=business,
        health=health,
        urls={"orders": "/o", "reconciliation": "/r", "users": "/u"},
    )

    assert health.queue.waiting == 1
    assert health.oldest_waiting_hours == pytest.approx(30, abs=0.1)
    assert health.payments.unfinished == 1
    assert health.payments.not_credited == 1
    assert health.outbox["failed"] == 1
    by_key = {alert.key: alert for alert in alerts}
    assert set(by_key) == {"orders_waiting", "payments_mismatch", "deliveries_failed"}
    assert by_key["orders_waiting"].count == 1  # bob's, waiting 30 hours
    assert by_key["orders_waiting"].orders[0].customer_id == world.bob.pk
    assert by_key["payments_mismatch"].action_url == "/r"
    assert by_key["deliveries_failed"].messages[0].customer_id == world.bob.pk


def test_the_owner_sees_every_figure_and_chart(client, business):
    crm_world(business)

    response = _client(client, business, Role.OWNER).get(URL, {"days": "30"})

    assert response.status_code == 200
    page = response.content.decode()
    for stat in ("users", "profiles", "subscribers", "orders", "revenue-tokens", "revenue-money"):
        assert f'data-stat="{stat}"' in page
    assert 'data-alert="orders_waiting"' in page
    charts = json.loads(response.context["charts"] and json.dumps(response.context["charts"]))
    assert {"revenue", "growth", "status", "packages"} <= set(charts)


def test_an_operator_sees_the_queue_not_the_money(client, business):
    crm_world(business)

    response = _client(client, business, Role.OPERATOR).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-stat="orders"' in page
    assert 'data-health="queue"' in page
    for hidden in ("revenue-tokens", "revenue-money", "users", "average-order"):
        assert f'data-stat="{hidden}"' not in page
    assert "revenue" not in response.context["charts"]
    assert "growth" not in response.context["charts"]


def test_an_agent_may_not_open_the_panel(client, business):
    assert _client(client, business, Role.AGENT).get(URL).status_code == 403


def test_an_unknown_period_falls_back_to_30_days(client, business):
    response = _client(client, business, Role.OWNER).get(URL, {"days": "²"})

    assert response.status_code == 200
    assert response.context["days"] == 30


def test_the_overview_costs_the_same_queries_whatever_the_data(client, business):
    owner = _client(client, business, Role.OWNER)
    crm_world(business)
    owner.get(URL)  # warm caches (sessions, translations)
    with CaptureQueriesContext(connection) as small:
        assert owner.get(URL).status_code == 200
    world = crm_world_more(business)
    with CaptureQueriesContext(connection) as large:
        assert owner.get(URL).status_code == 200
    assert world >= 20
    assert len(large) == len(small)
    assert len(large) <= 40


def crm_world_more(business) -> int:
    """Twenty more orders of new users: the number of rows grows, not the queries."""
    from kazan.commerce.models import Package
    from kazan.wallet.testing import wallet_customer

    package = Package.objects.filter(business=business).first()
    for n in range(20):
        customer = wallet_customer(business, channel="telegram", handle=f"20{n:02d}")
        token_order(business, customer, package, status="completed")
    return 20


def test_the_figures_partial_and_the_stream_are_there_for_live_updates(client, business):
    owner = _client(client, business, Role.OWNER)

    page = owner.get(URL).content.decode()
    partial = owner.get(reverse("crm:figures"), {"days": "7"})

    assert 'data-crm-events="/dashboard/crm/events"' in page
    assert partial.status_code == 200
    assert 'id="crm-figures"' in partial.content.decode()
    assert 'id="crm-chart-data"' in partial.content.decode()

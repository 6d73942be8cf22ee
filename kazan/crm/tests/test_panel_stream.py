"""The panel's live updates: its bounded event stream (kazan.core.sse) says when a token
order or a payment of the business changed, whoever changed it; the view serves it."""

import pytest

from kazan.commerce.services.queue_status import token_order_status_set
from kazan.crm.panel_stream import panel_events
from kazan.crm.tests.panel_world import crm_world, purchase
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def short_streams(settings):
    settings.CRM_STREAM_SECONDS = 8


def _next_event(events) -> str:
    """The next event of the stream, heartbeats skipped."""
    for chunk in events:
        if chunk.startswith("id: "):
            return chunk
    raise AssertionError("the stream ended without an event")


def test_an_order_status_change_is_announced(business, owner):
    world = crm_world(business)
    events = panel_events(business_id=business.pk)
    try:
        assert next(events) == "retry: 2000\n\n"
        assert "event: ready" in next(events)
        pending = next(order for order in world.orders if order.status == "pending")
        token_order_status_set(business=business, order=pending, status="processing", actor=owner)
        change = _next_event(events)
    finally:
        events.close()
    assert "event: change\n" in change
    assert 'data: {"kind": "orders"}' in change


def test_a_payment_is_announced(business):
    world = crm_world(business)
    events = panel_events(business_id=business.pk)
    try:
        next(events), next(events)  # retry, ready
        purchase(business, world.carol, status="paid", amount=200)
        change = _next_event(events)
    finally:
        events.close()
    assert 'data: {"kind": "payments"}' in change


def test_another_business_changes_are_not_announced(business, other_business, settings):
    settings.CRM_STREAM_SECONDS = 4
    theirs = crm_world(other_business)
    events = panel_events(business_id=business.pk)
    try:
        next(events), next(events)
        purchase(other_business, theirs.carol, status="paid", amount=200)
        rest = list(events)
    finally:
        events.close()
    assert not [chunk for chunk in rest if chunk.startswith("id: ")]


def test_the_view_streams_for_an_operator_and_refuses_an_agent(client, business, settings):
    settings.CRM_STREAM_SECONDS = 0
    operator = MembershipFactory(business=business, role=Role.OPERATOR).user
    agent = MembershipFactory(business=business, role=Role.AGENT).user

    client.force_login(operator)
    response = client.get("/dashboard/crm/events")
    body = b"".join(response.streaming_content).decode()
    client.force_login(agent)
    refused = client.get("/dashboard/crm/events")

    assert response["Content-Type"] == "text/event-stream"
    assert "event: ready" in body
    assert refused.status_code == 403

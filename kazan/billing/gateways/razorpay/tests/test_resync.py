# ruff: noqa: F811 (the subscribed fixture is imported by name)
"""Reconciliation with Razorpay when its webhooks were lost (plan_subscriptions_resync): the job
fetches the subscription through the official SDK from the fake Razorpay and applies it with the
webhook's own status mapping. The fake moves the subscription (charged, halted, cancelled) and its
events are dropped, as if never delivered."""

import dataclasses
import datetime as dt
import time

import pytest
from django.utils import timezone

from kazan.billing.gateways import GatewayError, gateway_get
from kazan.billing.gateways.razorpay.events import event_parse
from kazan.billing.gateways.razorpay.tests.test_flow import _post, subscribed  # noqa: F401
from kazan.billing.models import PlanSubscription
from kazan.billing.services.plan_resync import plan_subscriptions_resync

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def _when(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC)


@pytest.fixture
def charged(subscribed, fake_razorpay, client):
    """Authorised and charged (reported): active; then time passed, its cycle ended two days
    ago (here and at Razorpay)."""
    subscription, sub_id, _started = subscribed
    _post(client, fake_razorpay.subscription_authorise(sub_id))
    _post(client, fake_razorpay.subscription_charge(sub_id))
    end = int(time.time()) - 2 * DAY
    with fake_razorpay.lock:
        fake_razorpay.objects["subscriptions"][sub_id].update(
            current_start=end - 30 * DAY, current_end=end, charge_at=end
        )
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        current_period_start=_when(end - 30 * DAY), current_period_end=_when(end)
    )
    subscription.refresh_from_db()
    assert subscription.status == "active"
    return subscription, sub_id


def _fetches(fake_razorpay, sub_id: str) -> int:
    return len(
        [
            c
            for c in fake_razorpay.calls("GET", f"/v1/subscriptions/{sub_id}")
            if c.path.endswith(sub_id)
        ]
    )


def test_a_renewal_whose_webhooks_were_lost_is_brought_up_to_date(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_charge(sub_id)  # subscription.charged: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    sub = fake_razorpay.get("subscriptions", sub_id)
    assert subscription.status == "active"
    assert subscription.current_period_start == _when(sub["current_start"])
    assert subscription.current_period_end == _when(sub["current_end"]) > timezone.now()
    assert _fetches(fake_razorpay, sub_id) == 1
    assert plan_subscriptions_resync() == 0  # up to date: not asked again
    assert _fetches(fake_razorpay, sub_id) == 1


def test_halted_whose_webhooks_were_lost_is_past_due(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_fail(sub_id, halt=True)  # payment.failed, .halted: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert subscription.changes.filter(
        kind="past_due", source__startswith="razorpay:sync:"
    ).exists()
    assert plan_subscriptions_resync() == 0  # the same state again: a duplicate


def test_cancelled_at_razorpay_ends(charged, fake_razorpay, client, business):
    subscription, sub_id = charged
    _post(client, fake_razorpay.subscription_fail(sub_id))  # reported: past due
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        gateway_event_at=timezone.now() - dt.timedelta(days=1, minutes=5)
    )
    # Cancelled at Razorpay (its dashboard); subscription.cancelled was lost.
    gateway_get("razorpay").subscription_cancel(gateway_subscription_id=sub_id, at_period_end=False)

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None
    business.refresh_from_db()
    assert business.suspension_cause == "billing"


def test_the_fetched_state_is_the_webhooks_mapping(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_fail(sub_id, halt=True)
    gateway = gateway_get("razorpay")

    first = gateway.subscription_fetch(gateway_subscription_id=sub_id)
    again = gateway.subscription_fetch(gateway_subscription_id=sub_id)

    assert first.kind == "subscription" and first.status == "past_due" and first.observed
    assert first.event_id == again.event_id and first.event_id.startswith(f"sync:{sub_id}:")
    assert first.local_subscription_id == subscription.pk
    delivery = fake_razorpay.subscription_event(sub_id, "subscription.halted")
    webhook = event_parse(delivery.event, event_id="evt1")
    ignored = {"event_id", "event_type", "occurred_at", "observed"}
    assert {k: v for k, v in dataclasses.asdict(first).items() if k not in ignored} == {
        k: v for k, v in dataclasses.asdict(webhook).items() if k not in ignored
    }


def test_an_unreachable_razorpay_is_a_transient_gateway_error(charged, fake_razorpay):
    _subscription, sub_id = charged
    fake_razorpay.fail_next(status=503, code="SERVER_ERROR")

    with pytest.raises(GatewayError) as raised:
        gateway_get("razorpay").subscription_fetch(gateway_subscription_id=sub_id)
    assert raised.value.transient

# ruff: noqa: F811 (the fake gateway fixture is imported by name)
"""Reconciliation of gateway-held plans whose webhooks were lost (plan_subscriptions_resync),
against the in-memory gateway: which subscriptions are asked, what a fetched state changes (once),
and that one gateway's failure does not stop the others. The real gateways' fetches are tested
against their fakes in their own packages (stripe/tests/test_billing_resync.py,
razorpay/tests/test_resync.py)."""

import datetime as dt
import logging

import pytest

from kazan.billing import tasks
from kazan.billing.gateways import GatewayError
from kazan.billing.models import GatewayEvent, Invoice, PlanSubscription
from kazan.billing.services import plan_events
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_resync import plan_subscriptions_resync
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.plan_fakes import KEY, event, fake_gateway, subscribe  # noqa: F401

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def active(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    assert subscription.status == "active" and subscription.gateway_subscription_id == "sub_1"
    return request, subscription


def _fetches(fake_gateway) -> list[str]:
    return [call["gateway_subscription_id"] for name, call in fake_gateway.calls if name == "fetch"]


def _past_due(subscription, time_machine) -> dt.datetime:
    """A renewal failed (reported); returns when."""
    failed_at = subscription.current_period_start + dt.timedelta(days=3)
    time_machine.move_to(failed_at, tick=False)
    failed = event(
        "invoice_failed",
        subscription=subscription,
        gateway_invoice_id="in_2",
        attempt_count=1,
        amount_minor=100,
        currency="EUR",
    )
    assert subscription_event_apply(event=failed) == "applied"
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    return failed_at


def test_a_lost_renewal_is_applied_once(active, fake_gateway, time_machine):
    request, subscription = active
    old_end = subscription.current_period_end
    new_end = old_end + dt.timedelta(days=30)
    time_machine.move_to(old_end + dt.timedelta(days=1, hours=1), tick=False)
    fake_gateway.states["sub_1"] = {
        "status": "active",
        "price_id": request.price_id,
        "current_period_start": old_end,
        "current_period_end": new_end,
        "cancel_at_period_end": False,
        "local_subscription_id": subscription.pk,
    }

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert (subscription.current_period_start, subscription.current_period_end) == (
        old_end,
        new_end,
    )
    [applied] = GatewayEvent.objects.filter(gateway=KEY, event_id__startswith="sync:")
    assert applied.event_id.startswith("sync:sub_1:")
    # Up to date now: not asked again.
    assert tasks.plan_subscriptions_resync.call() == 0
    assert _fetches(fake_gateway) == ["sub_1"]


def test_a_subscription_with_news_is_not_asked(active, fake_gateway, time_machine):
    _request, subscription = active
    # The period runs; a day after its end is not yet overdue either.
    time_machine.move_to(subscription.current_period_end + dt.timedelta(hours=23), tick=False)

    assert plan_subscriptions_resync() == 0
    assert _fetches(fake_gateway) == []


def test_manual_cancelled_and_unlinked_subscriptions_are_not_asked(
    active, fake_gateway, time_machine, other_business
):
    _request, subscription = active
    time_machine.move_to(subscription.current_period_end + dt.timedelta(days=3), tick=False)
    PlanSubscription.objects.filter(pk=subscription.pk).update(status="cancelled")
    other = plan_subscription_for(other_business)
    PlanSubscription.objects.filter(pk=other.pk).update(
        status="active",
        gateway="manual",
        gateway_subscription_id="",
        current_period_end=subscription.current_period_end,
    )

    assert plan_subscriptions_resync() == 0
    assert _fetches(fake_gateway) == []


def test_past_due_without_news_for_a_day_is_asked_and_ends_when_cancelled_there(
    active, fake_gateway, time_machine
):
    _request, subscription = active
    failed_at = _past_due(subscription, time_machine)
    fake_gateway.states["sub_1"] = {"status": "cancelled", "cancel_at_period_end": False}
    time_machine.move_to(failed_at + dt.timedelta(hours=23), tick=False)
    assert plan_subscriptions_resync() == 0  # news a day ago at most: the gateway still retries
    assert _fetches(fake_gateway) == []

    time_machine.move_to(failed_at + dt.timedelta(days=1, hours=1), tick=False)
    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None
    assert subscription.changes.filter(kind="ended", source__startswith=f"{KEY}:sync:").exists()
    subscription.business.refresh_from_db()
    assert subscription.business.suspension_cause == "billing"
    # Ended: never asked again.
    assert plan_subscriptions_resync() == 0
    assert _fetches(fake_gateway) == ["sub_1"]


def test_the_same_state_fetched_twice_changes_nothing(active, fake_gateway, time_machine):
    _request, subscription = active
    failed_at = _past_due(subscription, time_machine)
    fake_gateway.states["sub_1"] = {
        "status": "past_due",
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
        "cancel_at_period_end": False,
    }
    time_machine.move_to(failed_at + dt.timedelta(days=2), tick=False)
    changes = subscription.changes.count()

    assert plan_subscriptions_resync() == 0  # asked, applied, nothing differs
    time_machine.move_to(failed_at + dt.timedelta(days=3), tick=False)
    assert plan_subscriptions_resync() == 0  # the same state: a duplicate

    assert _fetches(fake_gateway) == ["sub_1", "sub_1"]
    assert GatewayEvent.objects.filter(gateway=KEY, event_id__startswith="sync:").count() == 1
    assert subscription.changes.count() == changes
    subscription.refresh_from_db()
    assert subscription.status == "past_due"


def test_a_webhook_made_before_the_fetch_and_delivered_after_it_still_applies(
    active, fake_gateway, time_machine
):
    """The fetched state is no gateway event: it does not make an event the gateway is still
    retrying look stale (here a paid renewal that reactivates)."""
    request, subscription = active
    failed_at = _past_due(subscription, time_machine)
    seen = subscription.gateway_event_at
    paid_at = failed_at + dt.timedelta(hours=30)
    fake_gateway.states["sub_1"] = {
        "status": "active",
        "current_period_start": subscription.current_period_start,
        "current_period_end": subscription.current_period_end,
    }
    time_machine.move_to(failed_at + dt.timedelta(hours=48), tick=False)
    assert plan_subscriptions_resync() == 0  # "active" alone reactivates nothing: money does
    subscription.refresh_from_db()
    assert subscription.gateway_event_at == seen

    late = event(
        "invoice_paid",
        subscription=subscription,
        gateway_invoice_id="in_2",
        payment_reference="ch_2",
        amount_minor=request.amount_minor,
        currency="EUR",
        billing_reason="subscription_cycle",
        current_period_start=subscription.current_period_start,
        current_period_end=subscription.current_period_end,
        occurred_at=paid_at,
    )
    assert subscription_event_apply(event=late) == "applied"
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.past_due_since is None


def _second_on_the_gateway(business, end: dt.datetime) -> PlanSubscription:
    """Another business's active plan on the fake gateway ("sub_2"), its period ending at
    `end` too: the one that must go on when the first fails."""
    other = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=other.pk).update(
        status="active",
        gateway=KEY,
        gateway_subscription_id="sub_2",
        current_period_start=end - dt.timedelta(days=31),
        current_period_end=end,
    )
    return other


@pytest.mark.parametrize(
    ("failure", "logged"),
    [
        (GatewayError("Gateway unreachable", transient=True), "could not be asked"),
        # An answer the gateway's code could not read (an SDK or API change).
        (KeyError("current_period_end"), "could not be read"),
    ],
    ids=["gateway-error", "unreadable-answer"],
)
def test_one_gateway_failing_does_not_stop_the_others(
    active, fake_gateway, time_machine, other_business, caplog, failure, logged
):
    _request, subscription = active
    end = subscription.current_period_end
    other = _second_on_the_gateway(other_business, end)
    fake_gateway.states["sub_1"] = failure
    fake_gateway.states["sub_2"] = {
        "status": "active",
        "current_period_start": end,
        "current_period_end": end + dt.timedelta(days=31),
    }
    time_machine.move_to(end + dt.timedelta(days=2), tick=False)

    with caplog.at_level(logging.WARNING, logger="kazan.billing"):
        assert plan_subscriptions_resync() == 1

    assert sorted(_fetches(fake_gateway)) == ["sub_1", "sub_2"]
    other.refresh_from_db()
    assert other.current_period_end == end + dt.timedelta(days=31)
    subscription.refresh_from_db()
    assert subscription.current_period_end == end
    [record] = [r for r in caplog.records if logged in r.getMessage()]
    assert str(subscription.pk) in record.getMessage()
    assert subscription.business.name not in record.getMessage()


def test_a_gateway_not_configured_is_logged_and_skipped(
    active, fake_gateway, time_machine, other_business, caplog
):
    _request, subscription = active
    end = subscription.current_period_end
    PlanSubscription.objects.filter(pk=subscription.pk).update(gateway="gone")
    other = plan_subscription_for(other_business)
    PlanSubscription.objects.filter(pk=other.pk).update(
        status="past_due", gateway=KEY, gateway_subscription_id="sub_2", current_period_end=end
    )
    fake_gateway.states["sub_2"] = {"status": "cancelled"}
    time_machine.move_to(end + dt.timedelta(days=2), tick=False)

    with caplog.at_level(logging.WARNING, logger="kazan.billing"):
        assert plan_subscriptions_resync() == 1

    other.refresh_from_db()
    assert other.status == "cancelled"
    assert any("gateway gone is not configured" in r.getMessage() for r in caplog.records)


def test_an_invoice_recorded_alone_counts_as_a_change(active, fake_gateway, time_machine):
    """The state says nothing new (the period as we hold it) but the latest paid invoice was
    never recorded here: the subscription changed (our invoice), once."""
    request, subscription = active
    start, end = subscription.current_period_start, subscription.current_period_end
    time_machine.move_to(end + dt.timedelta(days=2), tick=False)
    fake_gateway.states["sub_1"] = {
        "status": "active",
        "current_period_start": start,
        "current_period_end": end,
    }
    fake_gateway.invoices["sub_1"] = {
        "gateway_invoice_id": "in_lost",
        "payment_reference": "ch_lost",
        "amount_minor": request.amount_minor,
        "currency": "EUR",
        "billing_reason": "subscription_cycle",
        "current_period_start": start,
        "current_period_end": end,
        "occurred_at": start + dt.timedelta(minutes=1),
    }

    assert plan_subscriptions_resync() == 1

    recorded = Invoice.objects.get(gateway=KEY, gateway_invoice_id="in_lost")
    assert recorded.total_minor == request.amount_minor and recorded.status == "paid"
    subscription.refresh_from_db()
    assert (subscription.current_period_start, subscription.current_period_end) == (start, end)
    assert plan_subscriptions_resync() == 0  # both fetched again: duplicates
    assert Invoice.objects.filter(gateway=KEY, gateway_invoice_id="in_lost").count() == 1


def test_an_invoice_that_cannot_be_applied_keeps_nothing_and_does_not_stop_the_others(
    active, fake_gateway, time_machine, other_business, monkeypatch, caplog
):
    request, subscription = active
    end = subscription.current_period_end
    other = _second_on_the_gateway(other_business, end)
    new_end = end + dt.timedelta(days=31)
    for sub_id in ("sub_1", "sub_2"):
        fake_gateway.states[sub_id] = {
            "status": "active",
            "current_period_start": end,
            "current_period_end": new_end,
        }
        fake_gateway.invoices[sub_id] = {
            "gateway_invoice_id": f"in_{sub_id}",
            "amount_minor": request.amount_minor,
            "currency": "EUR",
            "current_period_start": end,
            "current_period_end": new_end,
            "occurred_at": end,
        }
    issue = plan_events.invoice_issue

    def failing(**kwargs):
        if kwargs["gateway_invoice_id"] == "in_sub_1":
            raise RuntimeError("the invoice could not be issued")
        return issue(**kwargs)

    monkeypatch.setattr(plan_events, "invoice_issue", failing)
    time_machine.move_to(end + dt.timedelta(days=2), tick=False)

    with caplog.at_level(logging.ERROR, logger="kazan.billing"):
        assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.current_period_end == end  # its state rolled back with the invoice
    assert not GatewayEvent.objects.filter(event_id__startswith="sync:sub_1:").exists()
    other.refresh_from_db()
    assert other.current_period_end == new_end
    assert Invoice.objects.filter(gateway=KEY, gateway_invoice_id="in_sub_2").exists()
    assert any("could not be applied" in r.getMessage() for r in caplog.records)

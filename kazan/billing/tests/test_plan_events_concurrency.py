"""8 concurrent deliveries of one paid invoice on PostgreSQL (half of them under a second event
id): the subscription is settled once, with one invoice and one payment."""

import datetime as dt

import pytest

from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanChange, PlanSubscription
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.plan_fakes import event
from kazan.core.testing import run_in_threads_numbered


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_paid_invoice_apply_once(business):
    subscription = plan_subscription_for(business)
    now = dt.datetime.now(dt.UTC)
    paid = event(
        "invoice_paid",
        subscription=subscription,
        gateway_invoice_id="in_race",
        amount_minor=5831,
        currency="EUR",
        current_period_start=now,
        current_period_end=now + dt.timedelta(days=30),
    )
    other = paid.__class__(**{**paid.__dict__, "event_id": paid.event_id + "b"})
    threads = 8
    results = run_in_threads_numbered(
        threads, lambda n: subscription_event_apply(event=paid if n % 2 else other)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    # One per event id gets past the GatewayEvent row; of those, the one that comes second
    # finds the invoice recorded under the other id and applies nothing ("ignored").
    assert sorted(results) == ["applied"] + ["duplicate"] * (threads - 2) + ["ignored"]
    assert GatewayEvent.objects.count() == 2
    assert Invoice.objects.filter(gateway_invoice_id="in_race").count() == 1
    assert Payment.objects.filter(invoice__gateway_invoice_id="in_race").count() == 1
    assert PlanSubscription.objects.get(pk=subscription.pk).status == "active"
    assert PlanChange.objects.filter(subscription=subscription, kind="subscribed").count() == 1

"""8 concurrent deliveries of one paid invoice on PostgreSQL (half of them under a second event
id): the subscription is settled once, with one invoice and one payment."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanChange, PlanSubscription
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.testing import plans_seed
from kazan.billing.tests.plan_fakes import event


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_paid_invoice_apply_once(business):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so there is no race")
    plans_seed()
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
    barrier = threading.Barrier(threads)
    results: list[str] = []
    lock = threading.Lock()

    def deliver(n: int) -> None:
        try:
            barrier.wait()
            outcome = subscription_event_apply(event=paid if n % 2 else other)
            with lock:
                results.append(outcome)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=deliver, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert sorted(results) == ["applied"] * 2 + ["duplicate"] * (threads - 2)
    assert GatewayEvent.objects.count() == 2
    assert Invoice.objects.filter(gateway_invoice_id="in_race").count() == 1
    assert Payment.objects.filter(invoice__gateway_invoice_id="in_race").count() == 1
    assert PlanSubscription.objects.get(pk=subscription.pk).status == "active"
    assert PlanChange.objects.filter(subscription=subscription, kind="subscribed").count() == 1

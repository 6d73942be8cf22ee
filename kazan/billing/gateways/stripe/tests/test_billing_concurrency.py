"""20 concurrent deliveries of one invoice.paid on PostgreSQL: one invoice, one payment."""

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from kazan.billing.gateways.stripe.testing import webhook_post
from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanSubscription
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_checkout_start,
)
from kazan.core.testing import run_in_threads


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_one_invoice_paid_issue_one_invoice(
    stripe_settings, fake_stripe, business, owner
):
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        trial_ends_at=timezone.now() - dt.timedelta(days=1)
    )
    started = subscription_checkout_start(
        business=business,
        plan=plan_by_key(key="basic"),
        interval="month",
        gateway_key="stripe",
        actor=owner,
    )
    session_id = urlsplit(started.redirect_url).path.rsplit("/", 1)[-1]
    fake_stripe.pay(session_id)
    completed, created, paid = fake_stripe.events_for_completion(session_id)
    link = Client()
    assert webhook_post(link, completed).status_code == 200
    assert webhook_post(link, created).status_code == 200
    threads = 20

    def deliver() -> tuple[int, str]:
        response = webhook_post(Client(), paid)
        return response.status_code, response.json()["status"]

    answers = run_in_threads(threads, deliver)
    assert not [r for r in answers if isinstance(r, Exception)], answers
    results = [r for r in answers if not isinstance(r, Exception)]
    assert [code for code, _ in results] == [200] * threads
    statuses = [status for _, status in results]
    assert statuses.count("applied") == 1
    assert statuses.count("duplicate") == threads - 1
    assert Invoice.objects.filter(business=business).count() == 1
    assert Payment.objects.filter(business=business).count() == 1
    assert GatewayEvent.objects.filter(event_id=paid.event["id"]).count() == 1
    assert PlanSubscription.objects.get(business=business).status == "active"

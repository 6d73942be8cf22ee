"""8 concurrent deliveries of one Razorpay event on PostgreSQL: applied exactly once."""

import pytest
from django.test import Client

from kazan.billing import services
from kazan.billing.models import GatewayEvent, Invoice, Plan
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_checkout_start,
)
from kazan.core.testing import run_in_threads_numbered
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

THREADS = 8


def _race(deliveries) -> list[tuple[int, str]]:
    """Posts each delivery from its own thread, all released together: each one's answer."""

    def deliver(n: int) -> tuple[int, str]:
        response = deliveries[n].post(Client())
        return response.status_code, response.json()["status"]

    results = run_in_threads_numbered(len(deliveries), deliver)
    assert not [r for r in results if isinstance(r, Exception)], results
    return [r for r in results if not isinstance(r, Exception)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_order_events_credit_exactly_once(
    razorpay_settings, fake_razorpay, business, owner, packages
):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment
    captured, paid = fake_razorpay.order_pay(payment.gateway_reference)
    # Retries of both events at once: payment.captured and order.paid name the same order.
    results = _race([captured, paid] * (THREADS // 2))

    statuses = [status for _, status in results]
    assert [code for code, _ in results] == [200] * THREADS
    assert statuses.count("applied") == 1 and statuses.count("unchanged") == 1
    assert statuses.count("duplicate") == THREADS - 2
    assert sms_balance(business=business) == 5000
    assert SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count() == 1
    assert GatewayEvent.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_charge_deliveries_invoice_once(
    razorpay_settings, fake_razorpay, business, owner
):
    plan_subscription_for(business)
    subscription_checkout_start(
        business=business,
        plan=Plan.objects.get(key="basic"),
        interval="month",
        gateway_key="razorpay",
        actor=owner,
    )
    subscription = plan_subscription_for(business)
    fake_razorpay.subscription_authorise(subscription.gateway_subscription_id)
    _activated, charged = fake_razorpay.subscription_charge(subscription.gateway_subscription_id)

    results = _race([charged] * THREADS)

    statuses = sorted(status for _, status in results)
    assert statuses == ["applied"] + ["duplicate"] * (THREADS - 1)
    assert Invoice.objects.filter(business=business, gateway="razorpay").count() == 1
    subscription.refresh_from_db()
    assert subscription.status == "active"

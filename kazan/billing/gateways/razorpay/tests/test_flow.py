"""A plan subscription's life through Razorpay, end to end through the real webhook view: the
business subscribes during its trial, authorises on Razorpay's page, is charged (active, an
invoice), a renewal fails (past due), is charged again (active); a cancellation at the cycle's
end ends it."""

import pytest

from kazan.billing.gateways.razorpay.tests.fake_razorpay_events import Delivery
from kazan.billing.models import GatewayEvent, Invoice, Payment, Plan, PlanSubscription
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_cancel,
    subscription_checkout_start,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def subscribed(razorpay_settings, fake_razorpay, business, owner):
    """Basic, monthly, started through Razorpay while the trial runs: (subscription, sub id)."""
    subscription = plan_subscription_for(business)
    assert subscription.status == "trialing"
    started = subscription_checkout_start(
        business=business,
        plan=Plan.objects.get(key="basic"),
        interval="month",
        gateway_key="razorpay",
        actor=owner,
    )
    subscription.refresh_from_db()
    return subscription, subscription.gateway_subscription_id, started


def _post(client, deliveries: list[Delivery]) -> list[str]:
    answers = []
    for delivery in deliveries:
        response = delivery.post(client)
        assert response.status_code == 200, response.content
        answers.append(response.json()["status"])
    return answers


def test_subscribe_charge_fail_and_charge_again(subscribed, fake_razorpay, client, business):
    subscription, sub_id, started = subscribed
    assert started.redirect_url == fake_razorpay.get("subscriptions", sub_id)["short_url"]
    sub = fake_razorpay.get("subscriptions", sub_id)
    assert sub["start_at"] == int(subscription.trial_ends_at.timestamp())  # the trial stays free
    assert sub["notes"] == {
        "subscription_id": str(subscription.pk),
        "business_id": str(business.pk),
    }

    # Authorised on Razorpay's page: the trial runs on, nothing is charged yet.
    assert _post(client, fake_razorpay.subscription_authorise(sub_id)) == ["applied"]
    subscription.refresh_from_db()
    assert subscription.status == "trialing"

    # The trial ends: the first charge.
    activated, charged = fake_razorpay.subscription_charge(sub_id)
    assert _post(client, [activated, charged]) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.plan.key == "basic"
    invoice = Invoice.objects.get(business=business, gateway="razorpay")
    payment_id = charged.event["payload"]["payment"]["entity"]["id"]
    assert invoice.gateway_invoice_id == charged.event["payload"]["payment"]["entity"]["invoice_id"]
    assert (
        invoice.status == "paid"
        and invoice.total_minor == charged.event["payload"]["payment"]["entity"]["amount"]
    )
    assert Payment.objects.get(invoice=invoice).gateway_reference == payment_id
    period_end = subscription.current_period_end
    assert int(period_end.timestamp()) == fake_razorpay.get("subscriptions", sub_id)["current_end"]
    # Razorpay retries a delivery: nothing twice.
    assert _post(client, [charged]) == ["duplicate"]
    assert Invoice.objects.filter(business=business).count() == 1

    # The renewal fails: payment.failed names the invoice only (looked up), then pending.
    failed, pending = fake_razorpay.subscription_fail(sub_id)
    assert _post(client, [failed, pending]) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert fake_razorpay.calls("GET", "/v1/invoices/")

    # A new card through Razorpay's link: charged, active again, a second invoice.
    assert _post(client, fake_razorpay.subscription_charge(sub_id)) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.past_due_since is None
    assert subscription.current_period_end > period_end
    assert Invoice.objects.filter(business=business, status="paid").count() == 2


def test_halted_is_past_due_and_grace_decides(subscribed, fake_razorpay, client):
    subscription, sub_id, _started = subscribed
    fake_razorpay.subscription_authorise(sub_id)
    _post(client, fake_razorpay.subscription_charge(sub_id))

    assert _post(client, fake_razorpay.subscription_fail(sub_id, halt=True)) == [
        "applied",
        "applied",
    ]

    subscription.refresh_from_db()
    assert subscription.status == "past_due"


def test_cancel_at_the_cycle_end(subscribed, fake_razorpay, client, business, owner):
    subscription, sub_id, _started = subscribed
    fake_razorpay.subscription_authorise(sub_id)
    _post(client, fake_razorpay.subscription_charge(sub_id))

    subscription_cancel(business=business, actor=owner)

    assert fake_razorpay.calls("POST", f"/v1/subscriptions/{sub_id}/cancel")[-1].body == {
        "cancel_at_cycle_end": 1
    }
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end and subscription.status == "active"
    assert _post(client, fake_razorpay.subscription_cycle_end(sub_id)) == ["applied"]
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None


def test_an_event_for_a_subscription_that_is_not_ours_is_ignored(
    razorpay_settings, fake_razorpay, client
):
    plan = fake_razorpay.plan_create(
        {
            "period": "monthly",
            "interval": 1,
            "item": {"name": "X", "amount": 900, "currency": "EUR"},
        }
    )[1]
    sub = fake_razorpay.subscription_create({"plan_id": plan["id"], "total_count": 12})[1]
    deliveries = fake_razorpay.subscription_authorise(sub["id"])
    assert set(_post(client, deliveries)) == {"ignored"}
    assert GatewayEvent.objects.count() == len(deliveries)
    assert not PlanSubscription.objects.filter(gateway_subscription_id=sub["id"]).exists()


def test_a_failed_renewal_waits_for_razorpay_when_the_invoice_cannot_be_read(
    subscribed, fake_razorpay, client
):
    """payment.failed names only the invoice: unreachable Razorpay → 503, Razorpay retries."""
    subscription, sub_id, _started = subscribed
    fake_razorpay.subscription_authorise(sub_id)
    _post(client, fake_razorpay.subscription_charge(sub_id))
    failed, _pending = fake_razorpay.subscription_fail(sub_id)
    fake_razorpay.fail_next(status=503, code="SERVER_ERROR")

    first = failed.post(client)
    retried = failed.post(client)

    assert first.status_code == 503
    assert retried.json() == {"status": "applied"}
    subscription.refresh_from_db()
    assert subscription.status == "past_due"

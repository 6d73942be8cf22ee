"""A business subscribes through (fake) Stripe Checkout and lives with Stripe Billing, end to
end through the real webhook view: Checkout → its events → active with an invoice; an upgrade →
a prorated invoice; a failed renewal → past due; the retry paid → active again."""

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone

from kazan.billing.gateways import gateway_get
from kazan.billing.gateways.stripe.testing import fixture, sign, webhook_post
from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanSubscription
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.plan_changes import plan_change
from kazan.billing.services.plan_subscriptions import (
    gateway_price_id,
    plan_price_for,
    plan_subscription_for,
    subscription_checkout_start,
)
from kazan.billing.services.tax import gross_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def trial_over(business):
    """A business whose trial has run out: subscribing charges at once."""
    subscription = plan_subscription_for(business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        trial_ends_at=timezone.now() - dt.timedelta(days=1)
    )
    return subscription


def _post_all(client, deliveries) -> list[str]:
    answers = [webhook_post(client, delivery) for delivery in deliveries]
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    return [answer.json()["status"] for answer in answers]


def _subscribe(client, fake_stripe, business, owner) -> tuple[PlanSubscription, str]:
    """Checkout in the payer's browser, then Stripe's events to our webhook."""
    started = subscription_checkout_start(
        business=business,
        plan=plan_by_key(key="basic"),
        interval="month",
        gateway_key="stripe",
        actor=owner,
    )
    page = requests.get(started.redirect_url, timeout=5)
    assert page.status_code == 200 and 'id="pay"' in page.text
    paid = requests.post(started.redirect_url, allow_redirects=False, timeout=5)
    assert paid.status_code == 303
    assert paid.headers["Location"].endswith("/dashboard/billing/?subscribed=1")
    session_id = urlsplit(started.redirect_url).path.rsplit("/", 1)[-1]
    deliveries = fake_stripe.events_for_completion(session_id)
    assert [d.event["type"] for d in deliveries] == [
        "checkout.session.completed",
        "customer.subscription.created",
        "invoice.paid",
    ]
    assert _post_all(client, deliveries) == ["applied"] * 3
    return PlanSubscription.objects.get(business=business), fake_stripe.sessions[session_id][
        "subscription"
    ]


def test_checkout_makes_the_subscription_active_with_a_paid_invoice(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)

    assert subscription.status == "active" and subscription.plan.key == "basic"
    assert subscription.gateway == "stripe" and subscription.gateway_subscription_id == sub_id
    assert subscription.gateway_customer_id == fake_stripe.subscriptions[sub_id]["customer"]
    period = fake_stripe.subscriptions[sub_id]["items"]["data"][0]
    assert subscription.current_period_end == dt.datetime.fromtimestamp(
        period["current_period_end"], tz=dt.UTC
    )
    gross = gross_for(business=business, net_minor=4900)
    [invoice] = Invoice.objects.filter(business=business)
    assert invoice.status == "paid" and invoice.total_minor == gross
    assert invoice.gateway == "stripe"
    assert invoice.gateway_invoice_id == fake_stripe.subscriptions[sub_id]["latest_invoice"]
    payment = Payment.objects.get(invoice=invoice)
    assert payment.status == "paid" and payment.amount_minor == gross
    # The price Stripe charges is the gross, found again by its lookup key.
    [price] = fake_stripe.prices.values()
    assert price["unit_amount"] == gross and price["lookup_key"].startswith("kazan_basic_month_")


def test_replayed_events_change_nothing(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    _subscribe(client, fake_stripe, business, owner)
    session_id = next(iter(fake_stripe.sessions))

    again = _post_all(client, fake_stripe.events_for_completion(session_id))

    assert again == ["duplicate"] * 3
    assert Invoice.objects.filter(business=business).count() == 1
    assert Payment.objects.filter(business=business).count() == 1
    assert GatewayEvent.objects.filter(gateway="stripe").count() == 3


def test_an_upgrade_is_invoiced_with_its_proration(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    gateway = gateway_get("stripe")
    pro = plan_price_for(plan=plan_by_key(key="professional"), interval="month", currency="EUR")
    pro_price_id, _gross = gateway_price_id(business=business, gateway=gateway, price=pro)

    gateway.subscription_change(
        gateway_subscription_id=sub_id,
        price_id=pro_price_id,
        immediately=True,
        idempotency_key="kazan-change-test",
    )
    deliveries = fake_stripe.events_take()

    assert [d.event["type"] for d in deliveries] == [
        "customer.subscription.updated",
        "invoice.paid",
    ]
    assert _post_all(client, deliveries) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.plan.key == "professional" and subscription.status == "active"
    proration = Invoice.objects.filter(business=business).order_by("-pk").first()
    amounts = sorted(line.amount_minor for line in proration.lines.all())
    stripe_invoice = deliveries[1].event["data"]["object"]
    assert proration.gateway_invoice_id == stripe_invoice["id"]
    assert proration.total_minor == stripe_invoice["amount_paid"] > 0
    assert len(amounts) == 2


def test_plan_change_upgrades_at_stripe_and_the_proration_is_invoiced(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)

    result = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )

    assert result.outcome == "upgraded" and result.invoice is None  # Stripe prorates
    update = [r for r in fake_stripe.creates() if r.path == f"/v1/subscriptions/{sub_id}"][-1]
    assert update.params["proration_behavior"] == "always_invoice"
    assert _post_all(client, fake_stripe.events_take()) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.plan.key == "professional" and subscription.status == "active"
    assert Invoice.objects.filter(business=business, status="paid").count() == 2


def test_plan_change_downgrades_at_stripe_from_the_next_period(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )
    _post_all(client, fake_stripe.events_take())

    result = plan_change(
        business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner
    )

    assert result.outcome == "downgrade_scheduled"
    update = [r for r in fake_stripe.creates() if r.path == f"/v1/subscriptions/{sub_id}"][-1]
    assert update.params["proration_behavior"] == "none"
    _post_all(client, fake_stripe.events_take())
    subscription.refresh_from_db()
    assert subscription.plan.key == "professional" and subscription.pending_plan.key == "basic"
    # The next period starts on the lower plan.
    _post_all(client, fake_stripe.renewal_pay(sub_id))
    subscription.refresh_from_db()
    assert subscription.plan.key == "basic" and subscription.pending_plan is None


def test_a_failed_renewal_is_past_due_and_the_paid_retry_reactivates(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)

    failed = fake_stripe.renewal_fail(sub_id)
    assert _post_all(client, failed) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert Invoice.objects.filter(business=business).count() == 1  # nothing paid yet

    paid = fake_stripe.renewal_pay(sub_id)
    assert _post_all(client, paid)[0] == "applied"
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.past_due_since is None
    period = fake_stripe.subscriptions[sub_id]["items"]["data"][0]
    assert subscription.current_period_end == dt.datetime.fromtimestamp(
        period["current_period_end"], tz=dt.UTC
    )
    assert Invoice.objects.filter(business=business, status="paid").count() == 2


def test_cancelling_at_the_gateway_ends_the_subscription(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    gateway = gateway_get("stripe")

    gateway.subscription_cancel(gateway_subscription_id=sub_id, at_period_end=True)
    _post_all(client, fake_stripe.events_take())
    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is True and subscription.status == "active"

    assert _post_all(client, fake_stripe.renewal_end(sub_id)) == ["applied"]
    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None


def test_a_resumed_subscription_stays(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    gateway = gateway_get("stripe")

    gateway.subscription_cancel(gateway_subscription_id=sub_id, at_period_end=True)
    gateway.subscription_resume(gateway_subscription_id=sub_id)
    assert _post_all(client, fake_stripe.events_take()) == ["applied", "applied"]

    subscription.refresh_from_db()
    assert subscription.cancel_at_period_end is False and subscription.status == "active"


def test_a_signed_malformed_billing_event_is_a_400_and_stores_nothing(stripe_settings, client):
    payload = fixture("customer_subscription_updated.json")
    payload["data"]["object"]["status"] = "exploded"
    assert webhook_post(client, sign(payload)).status_code == 400
    assert not GatewayEvent.objects.exists()


def test_an_event_about_no_subscription_of_ours_is_200_ignored(stripe_settings, client):
    payload = fixture("invoice_paid.json")
    payload["data"]["object"]["parent"]["subscription_details"]["metadata"] = {}
    answer = webhook_post(client, sign(payload))
    assert answer.status_code == 200 and answer.json() == {"status": "ignored"}
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d._replace(signature=""),
        lambda d: d._replace(signature=sign("{}").signature),
        lambda d: sign(d.body.decode(), secret="whsec_someone_else"),
        lambda d: sign(d.body.decode(), timestamp=int(time.time()) - 301),
    ],
    ids=["missing", "other-body", "wrong-secret", "older-than-300s"],
)
def test_billing_events_need_a_fresh_valid_signature(
    stripe_settings, fake_stripe, client, business, owner, trial_over, broken
):
    started = subscription_checkout_start(
        business=business,
        plan=plan_by_key(key="basic"),
        interval="month",
        gateway_key="stripe",
        actor=owner,
    )
    session_id = urlsplit(started.redirect_url).path.rsplit("/", 1)[-1]
    fake_stripe.pay(session_id)

    answers = [
        webhook_post(client, broken(delivery))
        for delivery in fake_stripe.events_for_completion(session_id)
    ]

    assert [answer.status_code for answer in answers] == [400, 400, 400]
    assert not GatewayEvent.objects.exists()
    assert not Invoice.objects.exists()
    assert PlanSubscription.objects.get(business=business).gateway_subscription_id == ""

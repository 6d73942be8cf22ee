"""Stripe Billing through the official SDK against the local fake: prices, subscription
Checkout, plan changes with proration, cancellation, the portal and refunds."""

import datetime as dt
import time

import pytest
import requests
import time_machine
from django.core.exceptions import ImproperlyConfigured

from kazan.billing.gateways import (
    GatewayError,
    SubscriptionCheckoutRequest,
    SubscriptionGateway,
    subscription_gateway_get,
)
from kazan.billing.gateways.stripe.gateway import StripeGateway, price_lookup_key
from kazan.billing.gateways.stripe.testing import SECRET_KEY


@pytest.fixture
def gateway(fake_stripe):
    return StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url)


def _price(gateway, *, plan_key="basic", amount=5831, interval="month") -> str:
    return gateway.price_ensure(
        plan_price_id=1,
        plan_key=plan_key,
        plan_name=plan_key.title(),
        interval=interval,
        currency="EUR",
        amount_minor=amount,
    )


def _checkout(gateway, price_id, **overrides) -> SubscriptionCheckoutRequest:
    values = {
        "subscription_id": 41,
        "business_id": 7,
        "plan_key": "basic",
        "interval": "month",
        "price_id": price_id,
        "amount_minor": 5831,
        "currency": "EUR",
        "description": "Kazan Basic",
        "customer_id": "",
        "customer_email": "owner@example.com",
        "success_url": "https://kazan.example/dashboard/billing/?subscribed=1",
        "cancel_url": "https://kazan.example/dashboard/billing/plans/",
        "idempotency_key": "kazan-plan-41-x",
    }
    return SubscriptionCheckoutRequest(**{**values, **overrides})


def _subscribed(gateway, fake_stripe, price_id) -> dict:
    """A paid subscription Checkout: the subscription on the fake."""
    started = gateway.subscription_checkout_start(_checkout(gateway, price_id))
    session = fake_stripe.pay(started.reference)
    return fake_stripe.subscriptions[session["subscription"]]


def test_the_registry_gives_stripe_as_a_subscription_gateway(stripe_settings):
    assert isinstance(subscription_gateway_get("stripe"), SubscriptionGateway)
    with pytest.raises(ImproperlyConfigured):
        subscription_gateway_get("oxapay")


def test_price_ensure_creates_once_then_finds_it_by_lookup_key(gateway, fake_stripe):
    first = _price(gateway)
    again = _price(gateway)

    assert first == again and first.startswith("price_")
    price = fake_stripe.prices[first]
    assert price["lookup_key"] == "kazan_basic_month_eur_5831"
    assert price["recurring"]["interval"] == "month" and price["unit_amount"] == 5831
    assert price["currency"] == "eur" and price["nickname"] == "Basic"
    [create] = [r for r in fake_stripe.creates() if r.path == "/v1/prices"]
    assert create.headers["idempotency-key"] == "kazan-price-kazan_basic_month_eur_5831-new"
    assert create.params["product_data"] == {"name": "Basic"}
    lists = [r for r in fake_stripe.requests if r.method == "GET" and r.path == "/v1/prices"]
    assert lists[0].params["lookup_keys"] == ["kazan_basic_month_eur_5831"]
    # Another gross amount (another tax rate) or interval is another price.
    assert _price(gateway, amount=4900) != first
    assert _price(gateway, interval="year", amount=58310) != first


def test_an_archived_price_is_replaced_and_hands_over_its_lookup_key(gateway, fake_stripe):
    first = _price(gateway)
    fake_stripe.prices[first]["active"] = False

    second = _price(gateway)

    assert second != first
    assert fake_stripe.prices[second]["lookup_key"] == "kazan_basic_month_eur_5831"
    assert fake_stripe.prices[first]["lookup_key"] is None


def test_lookup_keys_name_plan_interval_currency_and_amount():
    key = price_lookup_key(plan_key="pro", interval="year", currency="EUR", amount_minor=177310)
    assert key == "kazan_pro_year_eur_177310"


def test_subscription_checkout_sends_price_metadata_and_customer_email(gateway, fake_stripe):
    price_id = _price(gateway)

    result = gateway.subscription_checkout_start(
        _checkout(gateway, price_id, metadata={"subscription_id": "999", "extra": "x"})
    )

    assert result.reference.startswith("cs_test_")
    assert result.redirect_url == f"{fake_stripe.url}/c/pay/{result.reference}"
    assert result.gateway_subscription_id == ""  # Stripe's comes with the webhook
    sent = fake_stripe.creates()[-1]
    assert sent.headers["idempotency-key"] == "kazan-plan-41-x"
    assert sent.params["mode"] == "subscription"
    assert sent.params["line_items"] == [{"price": price_id, "quantity": "1"}]
    metadata = {"subscription_id": "41", "business_id": "7", "plan": "basic", "extra": "x"}
    assert sent.params["subscription_data"] == {"metadata": metadata}
    assert sent.params["metadata"] == metadata
    assert sent.params["client_reference_id"] == "41"
    assert sent.params["customer_email"] == "owner@example.com"
    assert "customer" not in sent.params


def test_a_known_customer_and_the_rest_of_a_trial_are_carried(gateway, fake_stripe):
    price_id = _price(gateway)
    customer = gateway.client.v1.customers.create(params={"email": "a@example.com"}).id
    trial_end = dt.datetime.now(tz=dt.UTC) + dt.timedelta(days=5)

    started = gateway.subscription_checkout_start(
        _checkout(gateway, price_id, customer_id=customer, trial_end=trial_end)
    )

    sent = fake_stripe.creates()[-1].params
    assert sent["customer"] == customer and "customer_email" not in sent
    assert sent["subscription_data"]["trial_end"] == str(int(trial_end.timestamp()))
    session = fake_stripe.pay(started.reference)
    assert session["payment_status"] == "no_payment_required"
    sub = fake_stripe.subscriptions[session["subscription"]]
    assert sub["status"] == "trialing" and sub["customer"] == customer


def test_less_than_48_hours_of_trial_is_not_sent(gateway, fake_stripe):
    """Checkout refuses a trial_end under 48 hours ahead: the plan is charged at once."""
    price_id = _price(gateway)
    soon = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=20)
    gateway.subscription_checkout_start(_checkout(gateway, price_id, trial_end=soon))
    assert "trial_end" not in fake_stripe.creates()[-1].params["subscription_data"]


def test_the_hosted_page_shows_the_amount_and_pays_with_a_redirect(gateway, fake_stripe):
    started = gateway.subscription_checkout_start(_checkout(gateway, _price(gateway)))

    page = requests.get(started.redirect_url, timeout=5)
    paid = requests.post(started.redirect_url, allow_redirects=False, timeout=5)

    assert page.status_code == 200
    assert 'id="pay"' in page.text and "58.31 EUR / month" in page.text
    assert paid.status_code == 303
    assert paid.headers["Location"] == "https://kazan.example/dashboard/billing/?subscribed=1"
    session = fake_stripe.sessions[started.reference]
    assert session["status"] == "complete" and session["payment_status"] == "paid"
    sub = fake_stripe.subscriptions[session["subscription"]]
    assert sub["status"] == "active"
    assert sub["metadata"]["subscription_id"] == "41"
    invoice = fake_stripe.invoices[sub["latest_invoice"]]
    assert invoice["status"] == "paid" and invoice["amount_paid"] == 5831
    assert invoice["billing_reason"] == "subscription_create"
    # A paid session's page is gone.
    assert requests.get(started.redirect_url, timeout=5).status_code == 410


def test_an_upgrade_is_prorated_by_the_second_and_invoiced_at_once(gateway, fake_stripe):
    basic, pro = _price(gateway), _price(gateway, plan_key="professional", amount=17731)
    with time_machine.travel(dt.datetime(2026, 1, 1, tzinfo=dt.UTC), tick=False):
        sub = _subscribed(gateway, fake_stripe, basic)
    period = sub["items"]["data"][0]
    assert period["current_period_end"] - period["current_period_start"] == 31 * 86400

    with time_machine.travel(dt.datetime(2026, 1, 21, 16, tzinfo=dt.UTC), tick=False):
        gateway.subscription_change(
            gateway_subscription_id=sub["id"],
            price_id=pro,
            immediately=True,
            idempotency_key="kazan-change-1",
        )

    update = [r for r in fake_stripe.creates() if r.path == f"/v1/subscriptions/{sub['id']}"][-1]
    assert update.params["proration_behavior"] == "always_invoice"
    assert update.params["items"] == [{"id": period["id"], "price": pro}]
    assert update.headers["idempotency-key"] == "kazan-change-1"
    invoice = fake_stripe.invoices[fake_stripe.subscriptions[sub["id"]]["latest_invoice"]]
    left = (10 * 86400 - 16 * 3600 + 86400) / (31 * 86400)  # Jan 21 16:00 → Feb 1
    credit, charge = [line["amount"] for line in invoice["lines"]["data"]]
    assert credit == -round(5831 * left) and charge == round(17731 * left)
    assert invoice["billing_reason"] == "subscription_update"
    assert invoice["status"] == "paid" and invoice["amount_paid"] == credit + charge
    assert [d.event["type"] for d in fake_stripe.events_take()] == [
        "customer.subscription.updated",
        "invoice.paid",
    ]


def test_a_downgrade_changes_the_price_without_proration(gateway, fake_stripe):
    pro, basic = _price(gateway, plan_key="professional", amount=17731), _price(gateway)
    sub = _subscribed(gateway, fake_stripe, pro)
    invoices = len(fake_stripe.invoices)

    gateway.subscription_change(
        gateway_subscription_id=sub["id"], price_id=basic, immediately=False, idempotency_key="d1"
    )

    assert fake_stripe.creates()[-1].params["proration_behavior"] == "none"
    assert fake_stripe.subscriptions[sub["id"]]["items"]["data"][0]["price"]["id"] == basic
    assert len(fake_stripe.invoices) == invoices
    [updated] = fake_stripe.events_take()
    assert updated.event["type"] == "customer.subscription.updated"


def test_cancel_at_period_end_resume_and_cancel_now(gateway, fake_stripe):
    sub = _subscribed(gateway, fake_stripe, _price(gateway))

    gateway.subscription_cancel(gateway_subscription_id=sub["id"], at_period_end=True)
    assert fake_stripe.subscriptions[sub["id"]]["cancel_at_period_end"] is True
    gateway.subscription_resume(gateway_subscription_id=sub["id"])
    assert fake_stripe.subscriptions[sub["id"]]["cancel_at_period_end"] is False
    gateway.subscription_cancel(gateway_subscription_id=sub["id"], at_period_end=False)
    assert fake_stripe.subscriptions[sub["id"]]["status"] == "canceled"

    assert [d.event["type"] for d in fake_stripe.events_take()] == [
        "customer.subscription.updated",
        "customer.subscription.updated",
        "customer.subscription.deleted",
    ]


def test_the_portal_url_is_a_session_for_the_customer(gateway, fake_stripe):
    sub = _subscribed(gateway, fake_stripe, _price(gateway))

    url = gateway.portal_url(
        gateway_customer_id=sub["customer"], return_url="https://kazan.example/dashboard/billing/"
    )

    assert url.startswith(f"{fake_stripe.url}/p/session/bps_")
    sent = fake_stripe.creates()[-1]
    assert sent.path == "/v1/billing_portal/sessions"
    assert sent.params == {
        "customer": sub["customer"],
        "return_url": "https://kazan.example/dashboard/billing/",
    }
    assert gateway.portal_url(gateway_customer_id="", return_url="x") == ""


def test_refunds_by_payment_intent_or_by_invoice(gateway, fake_stripe):
    sub = _subscribed(gateway, fake_stripe, _price(gateway))
    invoice_id = sub["latest_invoice"]
    [payment_intent] = [k for k, p in fake_stripe.payments.items() if p["invoice"] == invoice_id]

    first = gateway.payment_refund(
        payment_reference=payment_intent, amount_minor=1000, idempotency_key="kazan-cn-1"
    )
    # The invoice id (what an invoice.paid event names) finds the payment.
    second = gateway.payment_refund(
        payment_reference=invoice_id, amount_minor=4831, idempotency_key="kazan-cn-2"
    )

    assert first.startswith("re_") and second.startswith("re_") and first != second
    assert fake_stripe.payments[payment_intent]["refunded"] == 5831
    assert fake_stripe.creates()[-1].headers["idempotency-key"] == "kazan-cn-2"
    with pytest.raises(GatewayError) as error:
        gateway.payment_refund(
            payment_reference=payment_intent, amount_minor=1, idempotency_key="kazan-cn-3"
        )
    assert error.value.code == "amount_too_large" and not error.value.transient


def test_gateway_errors_are_transient_only_when_stripe_fails_on_its_side(gateway, fake_stripe):
    fake_stripe.fail_next(status=500, times=3)
    with pytest.raises(GatewayError) as down:
        _price(gateway)
    assert down.value.transient

    with pytest.raises(GatewayError) as missing:
        gateway.subscription_change(
            gateway_subscription_id="sub_missing",
            price_id="p",
            immediately=True,
            idempotency_key="k1",
        )
    assert missing.value.code == "resource_missing" and not missing.value.transient
    with pytest.raises(GatewayError):
        gateway.portal_url(gateway_customer_id="cus_missing", return_url="https://x.example/")
    with pytest.raises(GatewayError):
        gateway.subscription_checkout_start(_checkout(gateway, "price_missing"))


def test_the_checkout_origin_is_the_fakes_in_tests_and_stripes_in_production(fake_stripe):
    assert StripeGateway(secret_key=SECRET_KEY, api_base=fake_stripe.url).checkout_origin == (
        fake_stripe.url
    )
    assert StripeGateway(secret_key=SECRET_KEY).checkout_origin == "https://checkout.stripe.com"


def test_renewals_move_the_period_and_fail_or_pay(gateway, fake_stripe):
    sub = _subscribed(gateway, fake_stripe, _price(gateway))
    first_end = sub["items"]["data"][0]["current_period_end"]

    failed = fake_stripe.renewal_fail(sub["id"])
    assert [d.event["type"] for d in failed] == [
        "invoice.payment_failed",
        "customer.subscription.updated",
    ]
    assert failed[1].event["data"]["object"]["status"] == "past_due"
    assert failed[1].event["data"]["object"]["items"]["data"][0]["current_period_start"] == (
        first_end
    )
    assert failed[0].event["data"]["object"]["next_payment_attempt"] > time.time()

    paid = fake_stripe.renewal_pay(sub["id"])
    invoice = paid[0].event["data"]["object"]
    assert invoice["id"] == failed[0].event["data"]["object"]["id"]  # the retried invoice
    assert invoice["status"] == "paid" and invoice["attempt_count"] == 2
    assert paid[1].event["data"]["object"]["status"] == "active"

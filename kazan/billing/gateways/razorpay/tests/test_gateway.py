"""The Razorpay gateway through the official SDK, against the local fake of Razorpay's API."""

import base64
import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from kazan.billing.gateways import (
    CheckoutRequest,
    GatewayError,
    PaymentGateway,
    SubscriptionCheckoutRequest,
    SubscriptionGateway,
    gateway_get,
    gateway_keys,
)
from kazan.billing.gateways.razorpay.gateway import (
    PLATFORM_ONLY,
    RESUME_UNSUPPORTED,
    RazorpayGateway,
)
from kazan.billing.gateways.razorpay.tests.fake_razorpay import KEY_ID, KEY_SECRET


@pytest.fixture
def gateway(fake_razorpay) -> RazorpayGateway:
    return RazorpayGateway(key_id=KEY_ID, key_secret=KEY_SECRET, api_base=fake_razorpay.url)


def _order_request(**overrides) -> CheckoutRequest:
    values = {
        "payment_id": 7,
        "business_id": 3,
        "package_key": "business",
        "description": "Kazan Business: 1000 SMS credits",
        "amount_minor": 2900,
        "currency": "eur",
        "success_url": "https://kazan.example/ok",
        "cancel_url": "https://kazan.example/cancel",
        "idempotency_key": "kazan-payment-7",
    }
    return CheckoutRequest(**{**values, **overrides})


def _subscription_request(**overrides) -> SubscriptionCheckoutRequest:
    values = {
        "subscription_id": 11,
        "business_id": 3,
        "plan_key": "basic",
        "interval": "month",
        "price_id": "",
        "amount_minor": 5831,
        "currency": "EUR",
        "description": "Kazan Basic",
        "customer_id": "",
        "customer_email": "owner@example.com",
        "success_url": "https://kazan.example/ok",
        "cancel_url": "https://kazan.example/cancel",
        "idempotency_key": "kazan-plan-11",
    }
    return SubscriptionCheckoutRequest(**{**values, **overrides})


def _plan(gateway, *, interval="month", amount=5831) -> str:
    return gateway.price_ensure(
        plan_price_id=1,
        plan_key="basic",
        plan_name="Basic",
        interval=interval,
        currency="eur",
        amount_minor=amount,
    )


def test_registered_as_both_a_payment_and_a_subscription_gateway(razorpay_settings):
    gateway = gateway_get("razorpay")
    assert isinstance(gateway, RazorpayGateway)
    assert isinstance(gateway, PaymentGateway) and isinstance(gateway, SubscriptionGateway)


def test_customers_of_a_business_cannot_pay_on_the_dashboard_page(gateway, fake_razorpay):
    """Its page is the business dashboard's: no wallet or shop checkout offers it."""
    assert "razorpay" in gateway_keys()
    assert "razorpay" not in gateway_keys(redirecting=True)
    with pytest.raises(GatewayError) as refused:
        gateway.checkout_start(_order_request(package_key="", metadata={"kind": "wallet"}))
    assert refused.value.code == PLATFORM_ONLY and not refused.value.transient
    assert fake_razorpay.calls("POST") == []


def test_missing_keys_are_improperly_configured(settings):
    settings.RAZORPAY_KEY_ID = ""
    with pytest.raises(ImproperlyConfigured):
        gateway_get("razorpay")


def test_checkout_start_creates_an_order_and_sends_the_payer_to_our_page(
    razorpay_settings, gateway, fake_razorpay
):
    result = gateway.checkout_start(_order_request(metadata={"payment_id": "forged", "x": "y"}))

    assert result.reference.startswith("order_")
    assert result.redirect_url == "https://kazan.example/dashboard/billing/razorpay/7/"
    [sent] = fake_razorpay.calls("POST", "/v1/orders")
    expected = base64.b64encode(f"{KEY_ID}:{KEY_SECRET}".encode()).decode()
    assert sent.headers["authorization"] == f"Basic {expected}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.body == {
        "amount": 2900,
        "currency": "EUR",
        "receipt": "kazan-payment-7",
        "notes": {"payment_id": "7", "x": "y", "business_id": "3", "package": "business"},
    }


def test_checkout_state_is_open_until_the_order_is_paid(gateway, fake_razorpay):
    reference = gateway.checkout_start(_order_request()).reference

    before = gateway.checkout_state(reference)
    fake_razorpay.order_fail(reference)
    after_failure = gateway.checkout_state(reference)
    fake_razorpay.order_pay(reference)
    paid = gateway.checkout_state(reference)

    assert before.outcome is None and before.gateway_status == "created"
    assert after_failure.outcome is None and after_failure.gateway_status == "attempted"
    assert (paid.outcome, paid.amount_minor, paid.currency) == ("paid", 2900, "EUR")
    assert [p["status"] for p in gateway.order_payments(reference)] == ["failed", "captured"]


def test_price_ensure_creates_a_plan_per_interval(gateway, fake_razorpay):
    monthly, yearly = _plan(gateway), _plan(gateway, interval="year", amount=58310)

    assert monthly.startswith("plan_") and yearly != monthly
    month_plan, year_plan = (fake_razorpay.get("plans", pid) for pid in (monthly, yearly))
    assert (month_plan["period"], month_plan["interval"]) == ("monthly", 1)
    assert (year_plan["period"], year_plan["item"]["amount"]) == ("yearly", 58310)
    assert month_plan["item"]["currency"] == "EUR" and month_plan["item"]["name"] == "Basic"
    assert month_plan["notes"] == {"plan_key": "basic", "plan_price_id": "1"}
    with pytest.raises(GatewayError) as refused:
        _plan(gateway, interval="week")
    assert refused.value.code == "invalid_interval"


def test_subscription_checkout_makes_a_customer_and_a_subscription(gateway, fake_razorpay):
    plan_id = _plan(gateway)
    trial_end = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)

    result = gateway.subscription_checkout_start(
        _subscription_request(price_id=plan_id, trial_end=trial_end)
    )

    sub = fake_razorpay.get("subscriptions", result.gateway_subscription_id)
    assert result.reference == result.gateway_subscription_id == sub["id"]
    assert result.redirect_url == sub["short_url"]
    assert result.gateway_customer_id == sub["customer_id"]
    assert fake_razorpay.get("customers", sub["customer_id"])["email"] == "owner@example.com"
    assert sub["plan_id"] == plan_id and sub["total_count"] == 120
    assert sub["start_at"] == int(trial_end.timestamp())
    assert sub["notes"] == {"subscription_id": "11", "business_id": "3"}
    assert sub["customer_notify"] is True


def test_a_known_customer_is_reused_and_no_trial_means_no_start_date(gateway, fake_razorpay):
    plan_id = _plan(gateway, interval="year")
    first = gateway.subscription_checkout_start(
        _subscription_request(price_id=plan_id, interval="year")
    )

    second = gateway.subscription_checkout_start(
        _subscription_request(
            price_id=plan_id,
            interval="year",
            customer_id=first.gateway_customer_id,
            trial_end=dt.datetime.now(dt.UTC) - dt.timedelta(days=1),
        )
    )

    sub = fake_razorpay.get("subscriptions", second.gateway_subscription_id)
    assert sub["customer_id"] == first.gateway_customer_id
    assert sub["start_at"] is None and sub["total_count"] == 10
    assert len(fake_razorpay.calls("POST", "/v1/customers")) == 1


def test_change_now_and_at_the_cycle_end(gateway, fake_razorpay):
    basic, pro = _plan(gateway), _plan(gateway, amount=17731)
    sub_id = gateway.subscription_checkout_start(
        _subscription_request(price_id=basic)
    ).gateway_subscription_id
    with pytest.raises(GatewayError) as not_yet:  # Razorpay: only authenticated/active
        gateway.subscription_change(
            gateway_subscription_id=sub_id, price_id=pro, immediately=True, idempotency_key="k"
        )
    assert not_yet.value.code == "BAD_REQUEST_ERROR" and not not_yet.value.transient
    fake_razorpay.subscription_authorise(sub_id)

    gateway.subscription_change(
        gateway_subscription_id=sub_id, price_id=pro, immediately=True, idempotency_key="k1"
    )
    assert fake_razorpay.get("subscriptions", sub_id)["plan_id"] == pro
    gateway.subscription_change(
        gateway_subscription_id=sub_id, price_id=basic, immediately=False, idempotency_key="k2"
    )

    sub = fake_razorpay.get("subscriptions", sub_id)
    assert sub["plan_id"] == pro and sub["has_scheduled_changes"] is True
    edits = [r.body for r in fake_razorpay.calls("PATCH", "/v1/subscriptions/")]
    assert [e["schedule_change_at"] for e in edits] == ["now", "now", "cycle_end"]
    assert edits[-1]["plan_id"] == basic


def test_cancel_at_the_cycle_end_or_now_and_resume_is_refused(gateway, fake_razorpay):
    plan_id = _plan(gateway)
    later, now = (
        gateway.subscription_checkout_start(
            _subscription_request(price_id=plan_id)
        ).gateway_subscription_id
        for _ in range(2)
    )
    fake_razorpay.subscription_authorise(later)

    gateway.subscription_cancel(gateway_subscription_id=later, at_period_end=True)
    gateway.subscription_cancel(gateway_subscription_id=now, at_period_end=False)

    assert fake_razorpay.get("subscriptions", later)["status"] == "active"
    assert fake_razorpay.get("subscriptions", now)["status"] == "cancelled"
    assert [r.body for r in fake_razorpay.calls("POST", "/v1/subscriptions/s")][-2:] == [
        {"cancel_at_cycle_end": 1},
        {"cancel_at_cycle_end": 0},
    ]
    with pytest.raises(GatewayError) as again:
        gateway.subscription_cancel(gateway_subscription_id=now, at_period_end=False)
    assert "cancellable" in again.value.message or again.value.code == "BAD_REQUEST_ERROR"
    with pytest.raises(GatewayError) as resume:
        gateway.subscription_resume(gateway_subscription_id=later)
    assert resume.value.code == RESUME_UNSUPPORTED and not resume.value.transient


def test_there_is_no_portal(gateway):
    assert gateway.portal_url(gateway_customer_id="cust_1", return_url="https://x.example") == ""


def test_refunds_in_parts_and_never_more_than_paid(gateway, fake_razorpay):
    reference = gateway.checkout_start(_order_request()).reference
    fake_razorpay.order_pay(reference)
    [payment] = gateway.order_payments(reference)

    first = gateway.payment_refund(
        payment_reference=payment["id"], amount_minor=900, idempotency_key="kazan-cn-1"
    )
    second = gateway.payment_refund(
        payment_reference=payment["id"], amount_minor=2000, idempotency_key="kazan-cn-2"
    )
    with pytest.raises(GatewayError) as too_much:
        gateway.payment_refund(
            payment_reference=payment["id"], amount_minor=1, idempotency_key="kazan-cn-3"
        )

    assert first.startswith("rfnd_") and second != first
    assert fake_razorpay.get("refunds", first)["receipt"] == "kazan-cn-1"
    assert fake_razorpay.get("payments", payment["id"])["status"] == "refunded"
    assert too_much.value.code == "BAD_REQUEST_ERROR" and not too_much.value.transient


def test_server_errors_and_an_unreachable_api_are_transient(gateway, fake_razorpay, caplog):
    fake_razorpay.fail_next(status=502, code="SERVER_ERROR")
    with pytest.raises(GatewayError) as server:
        gateway.checkout_start(_order_request())
    fake_razorpay.fail_next(status=502, code="GATEWAY_ERROR")
    with pytest.raises(GatewayError) as upstream:
        gateway.checkout_state("order_x")
    unreachable = RazorpayGateway(
        key_id=KEY_ID, key_secret=KEY_SECRET, api_base="http://127.0.0.1:9"
    )
    with pytest.raises(GatewayError) as down:
        unreachable.checkout_state("order_x")

    assert server.value.transient and server.value.code == "SERVER_ERROR"
    assert upstream.value.transient and upstream.value.code == "GATEWAY_ERROR"
    assert down.value.transient and down.value.code == "ConnectionError"
    assert KEY_SECRET not in caplog.text


def test_a_wrong_key_is_a_permanent_error(fake_razorpay):
    wrong = RazorpayGateway(key_id=KEY_ID, key_secret="wrong", api_base=fake_razorpay.url)
    with pytest.raises(GatewayError) as refused:
        wrong.checkout_start(_order_request())
    assert not refused.value.transient and refused.value.code == "BAD_REQUEST_ERROR"


def test_checkout_signatures(gateway, fake_razorpay):
    reference = gateway.checkout_start(_order_request()).reference
    fake_razorpay.order_pay(reference)
    fields = fake_razorpay.checkout_callback(reference)
    order_args = {
        "payment_id": fields["razorpay_payment_id"],
        "signature": fields["razorpay_signature"],
        "order_id": reference,
    }
    sub_fields = fake_razorpay.subscription_callback("sub_abc")

    assert gateway.checkout_signature_valid(**order_args)
    assert not gateway.checkout_signature_valid(**{**order_args, "order_id": "order_other"})
    assert not gateway.checkout_signature_valid(**{**order_args, "signature": "0" * 64})
    assert not gateway.checkout_signature_valid(**{**order_args, "signature": "é" * 64})
    assert not gateway.checkout_signature_valid(**{**order_args, "payment_id": ""})
    assert gateway.checkout_signature_valid(
        payment_id=sub_fields["razorpay_payment_id"],
        signature=sub_fields["razorpay_signature"],
        subscription_id="sub_abc",
    )
    # The subscription's message is "payment_id|subscription_id": not the order's order.
    assert not gateway.checkout_signature_valid(
        payment_id=sub_fields["razorpay_payment_id"],
        signature=sub_fields["razorpay_signature"],
        order_id="sub_abc",
    )
    assert not gateway.checkout_signature_valid(payment_id="pay_1", signature="x")

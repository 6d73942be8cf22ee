"""The fake's stand-ins for Razorpay's pages, which browser tests click through: the hosted
subscription page behind short_url and the Checkout script's payment call."""

import json

import pytest
import requests

from kazan.billing.gateways.razorpay.gateway import RazorpayGateway
from kazan.billing.gateways.razorpay.tests.fake_razorpay import KEY_ID, KEY_SECRET
from kazan.billing.gateways.razorpay.tests.test_gateway import _order_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def gateway(razorpay_settings, fake_razorpay) -> RazorpayGateway:
    return RazorpayGateway(key_id=KEY_ID, key_secret=KEY_SECRET, api_base=fake_razorpay.url)


def test_the_hosted_page_authorises_and_charges(gateway, fake_razorpay, client):
    plan = fake_razorpay.plan_create(
        {"period": "monthly", "item": {"name": "Basic", "amount": 5831, "currency": "EUR"}}
    )[1]
    sub = fake_razorpay.subscription_create({"plan_id": plan["id"], "total_count": 120})[1]

    page = requests.get(sub["short_url"], timeout=5)
    done = requests.post(sub["short_url"], data={"action": "authorise"}, timeout=5)

    assert page.status_code == 200 and "authorise" in page.text
    assert done.status_code == 200 and "authorised" in done.text
    deliveries = fake_razorpay.outbox_take()
    assert [d.event_type for d in deliveries] == [
        "subscription.authenticated",
        "subscription.activated",
        "subscription.charged",
    ]
    assert fake_razorpay.outbox_take() == []
    assert fake_razorpay.get("subscriptions", sub["id"])["status"] == "active"


def test_the_checkout_script_pays_the_order_and_signs_the_callback(gateway, fake_razorpay):
    order_id = gateway.checkout_start(_order_request()).reference
    script = requests.get(f"{fake_razorpay.url}/v1/checkout.js", timeout=5)

    fields = requests.post(
        f"{fake_razorpay.url}/v1/checkout/pay",
        data=json.dumps({"key": KEY_ID, "order_id": order_id}),
        timeout=5,
    ).json()

    assert "window.Razorpay" in script.text and fake_razorpay.url in script.text
    assert script.headers["Access-Control-Allow-Origin"] == "*"
    assert gateway.checkout_signature_valid(
        payment_id=fields["razorpay_payment_id"],
        signature=fields["razorpay_signature"],
        order_id=order_id,
    )
    assert [d.event_type for d in fake_razorpay.outbox_take()] == ["payment.captured", "order.paid"]
    assert gateway.checkout_state(order_id).outcome == "paid"

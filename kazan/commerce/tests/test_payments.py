"""Paying an order: the secure payment link's page starts a Stripe Checkout through billing's
gateway (the real SDK against the local fake Stripe), Stripe's signed webhook marks the order
paid once — a replay changes nothing, a wrong amount never pays — and the invoice link
downloads the PDF."""

import pytest

from kazan.billing.gateways.stripe.tests.conftest import signed
from kazan.billing.models import GatewayEvent
from kazan.commerce import services
from kazan.commerce.models import Invoice, Order, OrderStatus
from kazan.commerce.tests.orders_helpers import product, shopper
from kazan.links.testing import link_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed(business, stripe_settings):
    customer = shopper(business)
    box = product(business, price=4500)
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    return services.order_create(
        business=business, customer=customer, channel="web", payment_method="online"
    )


def _checkout(client, placed, fake_stripe):
    page = client.get(link_path(placed.payment_url))
    assert page.status_code == 200
    assert b"data-pay" in page.content and "45" in page.content.decode()
    started = client.post(link_path(placed.payment_url))
    assert started.status_code == 302
    session_id = Order.objects.get().payment_reference
    assert (
        session_id.startswith("cs_")
        and started["Location"] == fake_stripe.sessions[session_id]["url"]
    )
    return session_id


def test_pay_by_link_then_webhook_marks_paid_once(
    client, placed, fake_stripe, deliver, django_capture_on_commit_callbacks
):
    session_id = _checkout(client, placed, fake_stripe)
    sent = fake_stripe.creates()[-1].params
    assert sent["line_items"][0]["price_data"]["unit_amount"] == "4500"
    assert (
        sent["metadata"]["order_id"] == str(placed.order.pk) and "package" not in sent["metadata"]
    )
    fake_stripe.complete(session_id)
    event = fake_stripe.event_for(session_id, "checkout.session.completed")
    with django_capture_on_commit_callbacks(execute=True):
        answer = deliver(event)
    assert answer.status_code == 200 and answer.json()["status"] == "applied"
    order = Order.objects.get()
    assert order.status == OrderStatus.PAID and order.paid_at
    assert Invoice.objects.filter(order=order).exists()
    assert order.events.filter(to_status="paid", actor_kind="provider:stripe").exists()
    # Stripe delivers again: nothing more happens.
    assert deliver(event).json()["status"] == "duplicate"
    assert order.events.filter(to_status="paid").count() == 1
    # The page now says paid, and the link is used up.
    page = client.get(link_path(placed.payment_url))
    assert b'data-state="paid"' in page.content
    assert client.get(link_path(placed.payment_url)).status_code == 410


def test_a_wrong_amount_never_pays(client, placed, fake_stripe, deliver):
    session_id = _checkout(client, placed, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event_for(session_id, "checkout.session.completed")
    event["data"]["object"]["amount_total"] = 100
    assert deliver(event).json()["status"] == "mismatch"
    event = fake_stripe.event_for(session_id, "checkout.session.completed")
    event["data"]["object"]["currency"] = "usd"
    assert deliver(event).json()["status"] == "mismatch"
    assert Order.objects.get().status == OrderStatus.PENDING


def test_an_unsigned_or_wrongly_signed_webhook_is_refused(client, placed, fake_stripe):
    session_id = _checkout(client, placed, fake_stripe)
    fake_stripe.complete(session_id)
    event = fake_stripe.event_for(session_id, "checkout.session.completed")
    answer = client.post("/hooks/stripe/", **signed(event, secret="whsec_wrong"))
    assert answer.status_code == 400
    assert Order.objects.get().status == OrderStatus.PENDING
    assert not GatewayEvent.objects.exists()


def test_expired_checkout_leaves_the_order_pending(client, placed, fake_stripe, deliver):
    session_id = _checkout(client, placed, fake_stripe)
    fake_stripe.expire(session_id)
    assert (
        deliver(fake_stripe.event_for(session_id, "checkout.session.expired")).json()["status"]
        == "unchanged"
    )
    assert Order.objects.get().status == OrderStatus.PENDING


def test_the_return_page_reconciles_with_stripe(client, placed, fake_stripe):
    session_id = _checkout(client, placed, fake_stripe)
    fake_stripe.complete(session_id)
    page = client.get(link_path(placed.payment_url) + "?paid=1")
    assert b'data-state="paid"' in page.content
    assert Order.objects.get().status == OrderStatus.PAID


def test_a_gateway_failure_is_a_clear_message(client, placed, fake_stripe):
    fake_stripe.fail_next(status=500, times=5)
    answer = client.post(link_path(placed.payment_url))
    assert answer.status_code == 200
    assert b'role="alert"' in answer.content


def test_cash_on_delivery_page_and_invoice_link(client, business, stripe_settings, owner):
    from kazan.links.services import secure_link_issue

    customer = shopper(business)
    box = product(business)
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    order = services.order_create(
        business=business, customer=customer, channel="web", payment_method="on_delivery"
    ).order
    payment = secure_link_issue(
        business=business, customer=customer, purpose="payment", target_id=order.pk
    )
    assert b'data-state="on-delivery"' in client.get(link_path(payment)).content
    assert client.post(link_path(payment)).status_code == 200
    invoice = secure_link_issue(
        business=business, customer=customer, purpose="invoice", target_id=order.pk
    )
    assert b'data-state="no-invoice"' in client.get(link_path(invoice)).content
    for status in ("processing", "shipped", "delivered"):
        order = services.order_status_change(
            business=business, order=order, to_status=status, actor=owner
        )
    pdf = client.get(link_path(invoice))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_a_link_for_another_customers_order_shows_nothing(client, business, placed):
    from kazan.links.services import secure_link_issue

    stranger = shopper(business)
    url = secure_link_issue(
        business=business, customer=stranger, purpose="payment", target_id=placed.order.pk
    )
    assert client.get(link_path(url)).status_code == 404

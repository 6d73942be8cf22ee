"""Carts and orders: the use-cases of the cart, numbering, the transition table, stock,
history, notes, bulk changes, notifications and counters."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.analytics.enums import EventKind
from kazan.analytics.models import Event
from kazan.commerce import services
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Cart, Invoice, Order, OrderEvent, OrderStatus, Product
from kazan.commerce.queries import cart_view, orders_for_customer
from kazan.commerce.tests.orders_helpers import product, shopper
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.messaging.models import OutboundMessage

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def customer(business):
    return shopper(business)


def _place(business, customer, *, quantity=2, method="on_delivery", price=4500, stock=10):
    box = product(business, price=price, stock=stock)
    services.cart_add(
        business=business, customer=customer, channel="web", product_id=box.pk, quantity=quantity
    )
    return services.order_create(
        business=business, customer=customer, channel="web", payment_method=method
    ), box


def test_cart_add_remove_set_and_clear(business, customer):
    box = product(business)
    cream = product(business, name="Crema de pistacho", price=890, stock=None)
    view = services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    view = services.cart_add(
        business=business, customer=customer, channel="web", product_id=cream.pk, quantity=3
    )
    assert [(line.name, line.quantity) for line in view.lines] == [
        ("Box Sicilia Clásica", 1),
        ("Crema de pistacho", 3),
    ]
    assert view.total_minor == 4500 + 3 * 890 and view.currency == "EUR"
    view = services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    assert view.lines[0].quantity == 2
    view = services.cart_remove(
        business=business, customer=customer, channel="web", product_id=cream.pk, quantity=1
    )
    assert view.lines[1].quantity == 2
    view = services.cart_set_quantity(
        business=business, customer=customer, channel="web", product_id=cream.pk, quantity=5
    )
    assert view.lines[1].quantity == 5
    view = services.cart_set_quantity(
        business=business, customer=customer, channel="web", product_id=cream.pk, quantity=0
    )
    assert [line.product_id for line in view.lines] == [box.pk]
    view = services.cart_remove(
        business=business, customer=customer, channel="web", product_id=box.pk
    )
    assert view.empty
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    assert services.cart_clear(business=business, customer=customer, channel="web").empty
    # One cart per channel: the WhatsApp cart is another.
    assert cart_view(business=business, customer=customer, channel="whatsapp").empty
    assert Cart.objects.filter(customer=customer).count() == 1


def test_cart_refuses_bad_input_clearly(business, other_business, customer):
    box = product(business, stock=2)
    foreign = product(other_business)
    hidden = product(business, name="Old", active=False)
    for quantity in (0, -1, 1000, "2", True):
        with pytest.raises(ValidationFailed) as error:
            services.cart_add(
                business=business,
                customer=customer,
                channel="web",
                product_id=box.pk,
                quantity=quantity,
            )
        assert error.value.code == CommerceErrorCode.INVALID_QUANTITY
    with pytest.raises(NotFound):
        services.cart_add(
            business=business, customer=customer, channel="web", product_id=foreign.pk
        )
    with pytest.raises(ValidationFailed) as error:
        services.cart_add(business=business, customer=customer, channel="web", product_id=hidden.pk)
    assert error.value.code == CommerceErrorCode.PRODUCT_INACTIVE
    with pytest.raises(ValidationFailed) as error:
        services.cart_add(
            business=business, customer=customer, channel="web", product_id=box.pk, quantity=3
        )
    assert error.value.code == CommerceErrorCode.OUT_OF_STOCK
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    with pytest.raises(NotFound):
        services.cart_remove(
            business=business, customer=customer, channel="web", product_id=box.pk + 999
        )


def test_cart_created_is_counted_and_an_expired_cart_starts_over(
    business, customer, django_capture_on_commit_callbacks
):
    box = product(business)
    with django_capture_on_commit_callbacks(execute=True):
        services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    assert Event.objects.filter(business=business, kind=EventKind.CART_CREATED).count() == 1
    Cart.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert cart_view(business=business, customer=customer, channel="web").empty
    assert services.carts_expire() == 1
    assert Cart.objects.get().status == Cart.Status.EXPIRED
    view = services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    assert view.lines[0].quantity == 1
    assert Cart.objects.filter(status=Cart.Status.OPEN).count() == 1


def test_cart_from_a_whatsapp_order_message(business, customer):
    box = product(business, retailer_id="box-clasica")
    cream = product(business, name="Crema", price=890, retailer_id="crema-200")
    view = services.cart_from_order_message(
        business=business,
        customer=customer,
        channel="whatsapp",
        catalog_id="cat-1",
        items=[
            {"retailer_id": "box-clasica", "quantity": 2, "item_price": "1.00", "currency": "EUR"},
            {"retailer_id": "crema-200", "quantity": "1", "item_price": "8.90", "currency": "EUR"},
            {"retailer_id": "unknown-sku", "quantity": 1},
            {"retailer_id": "box-clasica", "quantity": 0},
            "garbage",
        ],
    )
    assert [(line.product_id, line.quantity) for line in view.lines] == [(box.pk, 2), (cream.pk, 1)]
    # Our prices, never the message's.
    assert view.total_minor == 2 * 4500 + 890
    assert "unknown-sku" in view.unknown and len(view.unknown) == 3
    # A message naming nothing we sell leaves the cart alone.
    again = services.cart_from_order_message(
        business=business,
        customer=customer,
        channel="whatsapp",
        catalog_id="cat-1",
        items=[{"retailer_id": "nope", "quantity": 1}],
    )
    assert again.unknown == ["nope"] and again.item_count == 3


def test_order_create_numbers_reserves_and_records(
    business, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        placed, box = _place(business, customer)
    order = placed.order
    assert order.number == 1 and order.status == OrderStatus.PENDING
    assert order.total_minor == 9000 and placed.payment_url == ""
    assert [(i.name, i.quantity, i.total_minor) for i in order.items.all()] == [
        ("Box Sicilia Clásica", 2, 9000)
    ]
    box.refresh_from_db()
    assert box.reserved == 2
    assert Cart.objects.get().status == Cart.Status.ORDERED
    assert cart_view(business=business, customer=customer, channel="web").empty
    assert OrderEvent.objects.get(order=order).to_status == OrderStatus.PENDING
    assert Event.objects.filter(business=business, kind=EventKind.ORDER_CREATED).count() == 1
    second, _ = _place(business, customer, quantity=1)
    assert second.order.number == 2
    assert orders_for_customer(business=business, customer=customer)[0] == second.order
    assert orders_for_customer(business=business, customer=customer, number=1) == [order]


def test_order_numbers_are_per_business(business, other_business):
    first, _ = _place(business, shopper(business))
    other, _ = _place(other_business, shopper(other_business))
    assert first.order.number == other.order.number == 1


def test_order_refuses_an_empty_cart_and_missing_stock(business, customer):
    with pytest.raises(Conflict) as error:
        services.order_create(business=business, customer=customer, channel="web")
    assert error.value.code == CommerceErrorCode.CART_EMPTY
    box = product(business, stock=3)
    services.cart_add(
        business=business, customer=customer, channel="web", product_id=box.pk, quantity=3
    )
    Product.objects.filter(pk=box.pk).update(reserved=2)  # somebody else ordered meanwhile
    with pytest.raises(Conflict) as error:
        services.order_create(business=business, customer=customer, channel="web")
    assert error.value.code == CommerceErrorCode.OUT_OF_STOCK
    assert not Order.objects.exists()
    assert Cart.objects.get().status == Cart.Status.OPEN


def test_payment_methods_follow_the_settings(business, customer):
    from kazan.commerce.models import CommerceSettings

    CommerceSettings.objects.create(business=business, pay_online=False)
    box = product(business)
    services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    with pytest.raises(ValidationFailed) as error:
        services.order_create(
            business=business, customer=customer, channel="web", payment_method="online"
        )
    assert error.value.code == CommerceErrorCode.PAYMENT_UNAVAILABLE
    placed = services.order_create(business=business, customer=customer, channel="web")
    assert placed.order.payment_method == "on_delivery"


def test_online_order_gets_a_payment_link(business, customer):
    placed, _ = _place(business, customer, method="online")
    assert placed.payment_url.startswith("http") and f"/{business.slug}/link/" in placed.payment_url


def test_transition_table_and_stock(business, customer, owner):
    placed, box = _place(business, customer, quantity=2, stock=5)
    order = placed.order
    with pytest.raises(Conflict) as error:
        services.order_status_change(
            business=business, order=order, to_status="delivered", actor=owner
        )
    assert error.value.code == CommerceErrorCode.STATUS_TRANSITION
    with pytest.raises(ValidationFailed):
        services.order_status_change(business=business, order=order, to_status="lost", actor=owner)
    services.order_status_change(
        business=business, order=order, to_status="processing", actor=owner
    )
    order = services.order_status_change(
        business=business, order=order, to_status="shipped", actor=owner, tracking_code=" TRK123 "
    )
    assert order.tracking_code == "TRK123" and order.shipped_at
    box.refresh_from_db()
    assert (box.stock, box.reserved) == (3, 0)
    order = services.order_status_change(
        business=business, order=order, to_status="delivered", actor=owner
    )
    # Cash on delivery: paid and invoiced on delivery.
    assert order.paid_at and Invoice.objects.get(order=order).number == 1
    history = [(e.from_status, e.to_status) for e in order.events.filter(kind="status")]
    assert history == [
        ("", "pending"),
        ("pending", "processing"),
        ("processing", "shipped"),
        ("shipped", "delivered"),
    ]
    assert order.events.filter(kind="status").last().actor == owner


def test_cancel_releases_stock_and_ends_the_order(business, customer, owner):
    placed, box = _place(business, customer, quantity=2, stock=5)
    order = services.order_cancel(
        business=business, order=placed.order, actor=owner, note="asked by phone"
    )
    box.refresh_from_db()
    assert (box.stock, box.reserved) == (5, 0)
    assert order.status == "cancelled" and order.cancelled_at
    assert order.events.last().note == "asked by phone"
    with pytest.raises(Conflict):
        services.order_status_change(business=business, order=order, to_status="paid", actor=owner)


def test_refund_before_shipping_gives_stock_back(business, customer, owner):
    placed, box = _place(business, customer, quantity=1, stock=5, method="online")
    assert services.order_mark_paid(business=business, order=placed.order, reference="cs_x")
    assert not services.order_mark_paid(business=business, order=placed.order, reference="cs_x")
    order = Order.objects.get()
    assert order.status == "paid" and order.payment_reference == "cs_x"
    assert Invoice.objects.get(order=order).number == 1
    services.order_status_change(business=business, order=order, to_status="refunded", actor=owner)
    box.refresh_from_db()
    assert (box.stock, box.reserved) == (5, 0)


def test_notes_and_tenancy(business, other_business, customer, owner):
    placed, _ = _place(business, customer)
    event = services.order_note_add(
        business=business, order=placed.order, note=" call first ", actor=owner
    )
    assert event.kind == "note" and event.note == "call first"
    with pytest.raises(ValidationFailed):
        services.order_note_add(business=business, order=placed.order, note="  ", actor=owner)
    with pytest.raises(NotFound):
        services.order_note_add(business=other_business, order=placed.order, note="x", actor=owner)
    with pytest.raises(NotFound):
        services.order_status_change(
            business=other_business, order=placed.order, to_status="processing", actor=owner
        )


def test_bulk_status_changes_each_and_reports_refusals(business, customer, owner):
    first, _ = _place(business, customer)
    second, _ = _place(business, customer)
    services.order_cancel(business=business, order=second.order, actor=owner)
    result = services.orders_bulk_status(
        business=business,
        order_ids=[first.order.pk, second.order.pk, 10**9],
        to_status="processing",
        actor=owner,
    )
    assert result.changed == [1] and list(result.refused) == [2]


def test_every_status_change_notifies_the_customer(
    business, customer, owner, django_capture_on_commit_callbacks
):
    placed, _ = _place(business, customer)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_status_change(
            business=business, order=placed.order, to_status="processing", actor=owner
        )
        services.order_status_change(
            business=business,
            order=placed.order,
            to_status="shipped",
            actor=owner,
            tracking_code="ES123",
        )
    messages = list(OutboundMessage.objects.filter(customer=customer).order_by("id"))
    assert len(messages) == 2
    assert "ES123" in messages[1].body
    # In the customer's language (Spanish).
    assert messages[0].channel == "web"


def test_a_refused_notification_is_noted_on_the_order(
    business, owner, django_capture_on_commit_callbacks
):
    nobody = shopper(business)
    nobody.identities.all().delete()
    placed, _ = _place(business, nobody)
    with django_capture_on_commit_callbacks(execute=True):
        services.order_status_change(
            business=business, order=placed.order, to_status="processing", actor=owner
        )
    note = placed.order.events.filter(kind="note", actor_kind="system").get()
    assert "not told" in note.note
    assert not OutboundMessage.objects.exists()


def test_invoice_pdf_has_the_business_and_the_total(business, customer, owner):
    placed, _ = _place(business, customer, method="online")
    services.order_mark_paid(business=business, order=placed.order)
    pdf = services.invoice_pdf(business=business, order=Order.objects.get())
    assert pdf.startswith(b"%PDF")
    second, _ = _place(business, customer, method="online")
    services.order_mark_paid(business=business, order=second.order)
    assert sorted(Invoice.objects.values_list("number", flat=True)) == [1, 2]


def test_paid_is_counted(business, customer, django_capture_on_commit_callbacks):
    placed, _ = _place(business, customer, method="online")
    with django_capture_on_commit_callbacks(execute=True):
        services.order_mark_paid(business=business, order=placed.order)
    assert Event.objects.filter(business=business, kind=EventKind.ORDER_PAID).count() == 1

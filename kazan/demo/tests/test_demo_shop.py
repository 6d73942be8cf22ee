"""The demo's Sicilian shop (demo_load's second business): its catalog, offers, registered
WhatsApp customers, a month of orders in every status with invoices, carts (some abandoned),
the assistant on its local engine and FAQs in es/it/en; loaded again it changes nothing; none
of it shows to another business; its owner's login opens its orders; nothing was sent."""

import pytest

from kazan.agent.queries import agent_settings_get
from kazan.agent.services import assistant_try
from kazan.commerce.models import Cart, Invoice, Offer, Order, OrderStatus, Product
from kazan.customers.models import Customer
from kazan.customers.queries import customer_is_registered
from kazan.demo.shop import SHOP_OWNER, SHOP_SLUG, shop_load
from kazan.faq.models import Faq
from kazan.messaging.models import OutboundMessage
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(staff_user):
    shop_load(staff=staff_user)
    return Business.objects.get(slug=SHOP_SLUG)


def test_the_shop_has_a_catalog_offers_customers_and_a_month_of_orders(shop):
    assert (shop.language, shop.currency, shop.name) == ("es", "EUR", "Delizie di Sicilia")
    products = Product.objects.filter(business=shop)
    assert products.count() == 16
    assert {p.kind for p in products} == {"product", "service", "event"}
    oil = products.get(sku="OLIO")
    assert oil.variants.count() == 2
    assert products.get(name="Degustación Siciliana").price_minor == 5500
    assert Offer.objects.filter(business=shop).count() == 3
    customers = Customer.objects.filter(business=shop)
    assert customers.count() == 12 and all(customer_is_registered(c) for c in customers)

    orders = Order.objects.filter(business=shop)
    assert orders.count() == 21
    # every status of a shop order (assigned and completed belong to the token queue)
    shop_statuses = set(OrderStatus.values) - {OrderStatus.ASSIGNED, OrderStatus.COMPLETED}
    assert set(orders.values_list("status", flat=True)) == shop_statuses
    assert {o.channel for o in orders} == {"whatsapp"}
    oldest = orders.order_by("created_at").first()
    assert (
        oldest.created_at.date() - orders.order_by("-created_at").first().created_at.date()
    ).days <= -28
    for order in orders.exclude(status__in=["pending", "cancelled", "processing"]):
        if order.payment_method == "online" or order.status == "delivered":
            assert Invoice.objects.filter(order=order).exists(), order.status
    numbers = sorted(Invoice.objects.filter(business=shop).values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    assert orders.filter(status="shipped").exclude(tracking_code="").count() == 3

    carts = Cart.objects.filter(business=shop)
    assert carts.filter(status="open").count() == 3 and carts.filter(status="expired").count() == 1
    assert carts.filter(status="open", reminded_at__isnull=False).count() == 1

    settings = agent_settings_get(business=shop)
    assert settings.pk and settings.engine == "local" and settings.enabled
    assert set(Faq.objects.filter(business=shop).values_list("language", flat=True)) == {
        "es",
        "it",
        "en",
    }
    # The demo never messages anyone (WhatsApp is not connected; notifications are off).
    assert not OutboundMessage.objects.filter(business=shop).exists()


def test_loading_again_changes_nothing(shop, staff_user):
    counts = (Order.objects.count(), Product.objects.count(), Customer.objects.count())
    shop_load(staff=staff_user)
    assert (Order.objects.count(), Product.objects.count(), Customer.objects.count()) == counts


def test_the_assistant_answers_from_the_test_box(shop):
    outcome = assistant_try(
        business=shop, text="¿Tenéis cajas regalo por menos de 50 €?", language="es"
    )
    assert outcome.engine == "local"
    text = "\n".join(str(r.get("text", "")) for r in outcome.replies) + str(outcome.replies)
    assert "Box Sicilia Clásica" in text
    assert Order.objects.filter(business=shop).count() == 21  # the sandbox rolled back


def test_the_owner_sees_the_shop_and_nothing_of_another_business(shop, client, other_business):
    from kazan.customers.tests.factories import CustomerFactory

    stranger = CustomerFactory(business=other_business, name="Fremde Kundin")
    email, _name, password = SHOP_OWNER
    client.post("/accounts/login/", {"email": email, "password": password})
    page = client.get("/dashboard/orders/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('class="order-row"') == 21 and "Fremde Kundin" not in html
    other_order = Order.objects.filter(business=shop).first()
    assert client.get(f"/dashboard/orders/{other_order.pk}/").status_code == 200
    for path in ("/dashboard/orders/overview/", "/dashboard/shop/", "/dashboard/assistant/"):
        assert client.get(path).status_code == 200, path
    assert "Degustación Siciliana" in client.get("/dashboard/shop/").content.decode()
    assert client.get(f"/dashboard/customers/{stranger.pk}/").status_code == 404
    assert Order.objects.exclude(business=shop).count() == 0


def test_another_business_sees_nothing_of_the_shop(shop, owner_client):
    """The owner of another business (the `business` fixture) opens none of the shop's orders,
    products or customers."""
    assert 'class="order-row"' not in owner_client.get("/dashboard/orders/").content.decode()
    order = Order.objects.filter(business=shop).first()
    product = Product.objects.filter(business=shop).first()
    customer = Customer.objects.filter(business=shop).first()
    assert owner_client.get(f"/dashboard/orders/{order.pk}/").status_code == 404
    assert owner_client.get(f"/dashboard/shop/products/{product.pk}/").status_code == 404
    assert owner_client.get(f"/dashboard/customers/{customer.pk}/").status_code == 404
    assert "Degustación" not in owner_client.get("/dashboard/shop/").content.decode()

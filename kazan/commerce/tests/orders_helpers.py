"""Small builders for the order tests (the catalog's own factories live in commerce.testing)."""

from kazan.commerce.models import Product
from kazan.customers.services import identity_attach
from kazan.customers.tests.factories import CustomerFactory


def product(business, *, name="Box Sicilia Clásica", price=4500, stock=10, **kwargs) -> Product:
    return Product.objects.create(
        business=business, name=name, price_minor=price, currency="EUR", stock=stock, **kwargs
    )


def shopper(business, *, channel="web", handle=None, language="es", **kwargs):
    customer = CustomerFactory(business=business, language=language, **kwargs)
    identity_attach(
        business=business,
        customer=customer,
        channel=channel,
        external_id=handle or f"visitor-{customer.pk}",
    )
    return customer

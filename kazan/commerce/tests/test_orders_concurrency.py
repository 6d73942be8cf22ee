"""Orders under concurrency on PostgreSQL: numbers never repeat (the sequence row is locked),
stock never oversells (conditional updates), and two adds at once share one open cart."""

import pytest

from kazan.commerce import services
from kazan.commerce.models import Cart, CartItem, NumberSequence, Order
from kazan.commerce.tests.orders_helpers import product, shopper
from kazan.core.errors import Conflict
from kazan.core.testing import run_in_threads
from kazan.tenancy.tests.factories import BusinessFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgres,
]


def test_concurrent_numbers_never_repeat_even_for_a_new_sequence():
    business = BusinessFactory()
    results = run_in_threads(10, lambda: services.number_next(business=business, kind="order"))
    assert sorted(results) == list(range(1, 11)), results
    assert NumberSequence.objects.get(business=business, kind="order").last == 10


def test_concurrent_orders_get_distinct_numbers_and_never_oversell():
    business = BusinessFactory()
    box = product(business, stock=5)
    customers = [shopper(business) for _ in range(8)]
    for customer in customers:
        services.cart_add(business=business, customer=customer, channel="web", product_id=box.pk)
    queue = list(customers)

    def place():
        customer = queue.pop()
        return services.order_create(
            business=business, customer=customer, channel="web", payment_method="on_delivery"
        ).order.number

    results = run_in_threads(8, place)
    numbers = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(numbers) == 5 and len(refused) == 3, results
    assert sorted(Order.objects.values_list("number", flat=True)) == list(range(1, 6))
    box.refresh_from_db()
    assert box.reserved == 5


def test_concurrent_adds_share_one_cart():
    business = BusinessFactory()
    box = product(business, stock=None)
    customer = shopper(business)
    results = run_in_threads(
        6,
        lambda: (
            services.cart_add(
                business=business, customer=customer, channel="web", product_id=box.pk
            ).item_count
        ),
    )
    assert all(isinstance(r, int) for r in results), results
    assert Cart.objects.filter(customer=customer, status="open").count() == 1
    assert CartItem.objects.get().quantity == 6

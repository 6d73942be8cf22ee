"""The queue under concurrency on PostgreSQL: one customer placing at once with tokens for one
order gets one order; moves at once keep every rank unique and every order in the queue; a
cancel asked twice at once refunds once."""

import pytest

from kazan.commerce import services
from kazan.commerce.models import Order
from kazan.commerce.tests.queue_helpers import buyer, package, place, profile_of
from kazan.core.testing import run_in_threads
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import BusinessFactory, MembershipFactory
from kazan.wallet.errors import InsufficientTokens
from kazan.wallet.models import TokenEntry
from kazan.wallet.queries import token_balance

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def test_concurrent_orders_of_one_customer_with_tokens_for_one():
    business = BusinessFactory()
    customer = buyer(business, tokens=150)
    profile = profile_of(business, customer)
    chosen = package(business, 100)

    def order():
        return services.token_order_place(
            business=business,
            customer=customer,
            profile=profile,
            package=chosen,
            email_confirmation=False,
            channel="web",
        ).number

    results = run_in_threads(6, order)
    placed = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, InsufficientTokens)]
    assert len(placed) == 1 and len(refused) == 5, results
    assert Order.objects.filter(business=business).count() == 1
    assert token_balance(business=business, customer=customer) == 50


def test_concurrent_moves_keep_ranks_unique():
    business = BusinessFactory()
    admin = MembershipFactory(business=business, role=Role.OWNER).user
    orders = [place(business) for _ in range(8)]
    targets = iter([(order, 1 + index % 3) for index, order in enumerate(orders)])

    def move():
        order, position = next(targets)
        services.queue_move(business=business, order=order, position=position, actor=admin)
        return position

    for _ in range(3):  # rounds, so the gaps run out and lanes are renumbered under load
        targets = iter([(order, 1 + index % 3) for index, order in enumerate(orders)])
        results = run_in_threads(8, move)
        assert all(isinstance(r, int) for r in results), results
    ranks = list(Order.objects.filter(business=business).values_list("queue_rank", flat=True))
    assert None not in ranks and len(set(ranks)) == 8


def test_concurrent_cancels_refund_once():
    business = BusinessFactory()
    admin = MembershipFactory(business=business, role=Role.OWNER).user
    customer = buyer(business, tokens=250)
    order = place(business, customer, sites=250)
    results = run_in_threads(
        5, lambda: services.token_order_cancel(business=business, order=order, actor=admin).status
    )
    assert results == ["cancelled"] * 5, results
    assert token_balance(business=business, customer=customer) == 250
    assert TokenEntry.objects.filter(kind="refund").count() == 1

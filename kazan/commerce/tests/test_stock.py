import pytest

from kazan.commerce.models import Product, ProductVariant
from kazan.commerce.services import StockLine, stock_fulfil, stock_release, stock_reserve
from kazan.commerce.testing import product_factory, variant_factory
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.core.testing import run_in_threads
from kazan.tenancy.tests.factories import BusinessFactory


def _row(product):
    product.refresh_from_db()
    return product.stock, product.reserved


@pytest.mark.django_db
def test_reserve_release_fulfil(business):
    product = product_factory(business, stock=5)
    stock_reserve(business=business, lines=[StockLine(product.pk, None, 2)])
    assert _row(product) == (5, 2)
    stock_release(business=business, lines=[StockLine(product.pk, None, 1)])
    assert _row(product) == (5, 1)
    stock_fulfil(business=business, lines=[StockLine(product.pk, None, 1)])
    assert _row(product) == (4, 0)
    stock_release(business=business, lines=[StockLine(product.pk, None, 3)])
    assert _row(product) == (4, 0)  # never below zero


@pytest.mark.django_db
def test_reserve_is_all_or_nothing_and_names_the_product(business):
    plenty = product_factory(business, stock=10, name="Plenty")
    scarce = product_factory(business, stock=1, name="Scarce")
    with pytest.raises(Conflict) as caught:
        stock_reserve(
            business=business,
            lines=[StockLine(plenty.pk, None, 3), StockLine(scarce.pk, None, 2)],
        )
    assert caught.value.code == "out_of_stock"
    assert "Scarce" in str(caught.value.message)
    assert _row(plenty) == (10, 0) and _row(scarce) == (1, 0)


@pytest.mark.django_db
def test_equal_lines_add_up(business):
    product = product_factory(business, stock=3)
    with pytest.raises(Conflict):
        stock_reserve(
            business=business,
            lines=[StockLine(product.pk, None, 2), StockLine(product.pk, None, 2)],
        )
    stock_reserve(
        business=business, lines=[StockLine(product.pk, None, 1), StockLine(product.pk, None, 2)]
    )
    assert _row(product) == (3, 3)


@pytest.mark.django_db
def test_variants_with_own_stock_and_untracked(business):
    product = product_factory(business, stock=2)
    own = variant_factory(product, name="M", stock=1)
    shared = variant_factory(product, name="L")
    stock_reserve(business=business, lines=[StockLine(product.pk, own.pk, 1)])
    own.refresh_from_db()
    assert own.reserved == 1 and _row(product) == (2, 0)
    stock_reserve(business=business, lines=[StockLine(product.pk, shared.pk, 2)])
    assert _row(product) == (2, 2)
    with pytest.raises(Conflict):
        stock_reserve(business=business, lines=[StockLine(product.pk, own.pk, 1)])
    service = product_factory(business, stock=None)
    stock_reserve(business=business, lines=[StockLine(service.pk, None, 500)])
    assert _row(service) == (None, 0)


@pytest.mark.django_db
def test_bad_lines_are_refused(business, other_business):
    product = product_factory(business, stock=2)
    other = product_factory(other_business, stock=2)
    with pytest.raises(NotFound):
        stock_reserve(business=business, lines=[StockLine(other.pk, None, 1)])
    with pytest.raises(ValidationFailed):
        stock_reserve(business=business, lines=[StockLine(product.pk, None, 0)])
    foreign_variant = variant_factory(other, name="x")
    with pytest.raises(NotFound):
        stock_reserve(business=business, lines=[StockLine(product.pk, foreign_variant.pk, 1)])
    assert _row(other) == (2, 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_buyers_never_oversell():
    business = BusinessFactory()
    product = Product.objects.create(business=business, name="Last ones", price_minor=100, stock=3)
    variant = ProductVariant.objects.create(product=product, name="v", stock=2)

    def buy():
        stock_reserve(
            business=business,
            lines=[StockLine(product.pk, None, 1), StockLine(product.pk, variant.pk, 1)],
        )
        return True

    results = run_in_threads(8, buy)
    won = [r for r in results if r is True]
    lost = [r for r in results if isinstance(r, Conflict)]
    assert len(won) == 2 and len(lost) == 6, results
    product.refresh_from_db()
    variant.refresh_from_db()
    assert (product.reserved, variant.reserved) == (2, 2)


@pytest.mark.django_db
def test_fulfilling_more_than_the_shelf_is_refused_whole(business):
    product = product_factory(business, stock=2)
    other = product_factory(business, stock=5)
    stock_reserve(business=business, lines=[StockLine(other.pk, None, 1)])
    with pytest.raises(Conflict):
        stock_fulfil(
            business=business,
            lines=[StockLine(other.pk, None, 1), StockLine(product.pk, None, 3)],
        )
    assert _row(product) == (2, 0) and _row(other) == (5, 1)

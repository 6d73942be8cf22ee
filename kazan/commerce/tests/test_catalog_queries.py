import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from kazan.commerce.models import Product
from kazan.commerce.queries import (
    available,
    categories_list,
    events_on,
    price_for,
    product_by_retailer_id,
    product_get,
    products_list,
    products_search,
)
from kazan.commerce.testing import (
    category_factory,
    offer_factory,
    product_factory,
    sicilian_shop,
    variant_factory,
)
from kazan.core.errors import NotFound, ValidationFailed

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(business):
    return sicilian_shop(business)


def test_sicilian_shop_has_the_seed_boxes_and_the_cream(business, shop):
    assert shop["box_clasica"].price_minor == 4500
    assert shop["box_degustacion"].price_minor == 5500
    assert shop["box_sabores"].price_minor == 4800
    assert "Bronte DOP (40%)" in shop["crema_pistacho"].description
    assert "conservantes" in shop["crema_pistacho"].description
    assert {p.kind for p in shop.values()} == {"product", "service", "event"}
    assert len(shop) >= 15


def test_categories_list_top_level_and_children(business, shop):
    roots = categories_list(business=business)
    names = [c.name for c in roots]
    assert names[0] == "Cajas regalo" and "Dulces" in names and "Salados" in names
    dulces = next(c for c in roots if c.name == "Dulces")
    assert [c.name for c in categories_list(business=business, parent_id=dulces.pk)] == [
        "Cremas y mermeladas"
    ]


def test_products_list_by_category_includes_subcategories(business, shop):
    dulces = shop["cannoli"].category
    listed = products_list(business=business, category_id=dulces.pk, limit=100)
    assert shop["crema_pistacho"] in listed and shop["cannoli"] in listed
    assert shop["pistachos"] not in listed
    services = products_list(business=business, kind="service")
    assert services == [shop["cesta_personalizada"]]
    with pytest.raises(ValidationFailed):
        products_list(business=business, kind="weapon")


def test_inactive_products_are_hidden_unless_asked(business, shop):
    Product.objects.filter(pk=shop["cassata"].pk).update(active=False)
    assert shop["cassata"] not in products_list(business=business, limit=100)
    assert shop["cassata"] in products_list(business=business, active_only=False, limit=100)
    with pytest.raises(NotFound):
        product_get(business=business, product_id=shop["cassata"].pk, active_only=True)
    assert product_get(business=business, product_id=shop["cassata"].pk).pk == shop["cassata"].pk


def test_product_get_of_another_business_is_not_found(business, other_business, shop):
    with pytest.raises(NotFound):
        product_get(business=other_business, product_id=shop["cannoli"].pk)
    assert product_by_retailer_id(business=other_business, retailer_id="SIC-CANNOLI") is None
    with pytest.raises(NotFound):
        price_for(business=other_business, product=shop["cannoli"])


def test_product_by_retailer_id_finds_products_and_variants(business, shop):
    assert product_by_retailer_id(business=business, retailer_id="SIC-CANNOLI") == (
        shop["cannoli"],
        None,
    )
    product, variant = product_by_retailer_id(business=business, retailer_id="SIC-OLIO-500ML")
    assert product == shop["aceite"] and variant.name == "500 ml"
    assert product_by_retailer_id(business=business, retailer_id="nope") is None
    assert product_by_retailer_id(business=business, retailer_id="") is None


def test_price_for_applies_the_best_active_offer(business, shop):
    price = price_for(business=business, product=shop["cannoli"])
    assert (price.unit_minor, price.discount_minor, price.final_minor) == (1800, 180, 1620)
    assert price.offer is not None and price.currency == "EUR"
    # a better amount offer on the whole category wins; offers do not add up
    offer_factory(
        business, kind="amount", value=500, categories=[shop["cannoli"].category], name="x"
    )
    assert price_for(business=business, product=shop["cannoli"]).final_minor == 1300
    # the boxes keep the seed's prices
    assert price_for(business=business, product=shop["box_degustacion"]).final_minor == 5500


def test_price_never_below_zero_and_date_range(business):
    product = product_factory(business, price_minor=300)
    now = timezone.now()
    offer_factory(business, kind="amount", value=1000, products=[product])
    assert price_for(business=business, product=product).final_minor == 0
    later = product_factory(business, price_minor=1000)
    offer_factory(
        business, kind="percent", value=50, products=[later], starts_at=now + dt.timedelta(days=1)
    )
    assert price_for(business=business, product=later).final_minor == 1000
    assert (
        price_for(business=business, product=later, at=now + dt.timedelta(days=2)).final_minor
        == 500
    )


def test_offer_on_parent_category_reaches_subcategory(business, shop):
    offer_factory(business, kind="percent", value=20, categories=[shop["cannoli"].category])
    price = price_for(business=business, product=shop["crema_pistacho"])
    assert price.final_minor == 1290 - 258


def test_variant_price_and_available(business, shop):
    oil = shop["aceite"]
    litre = oil.variants.get(name="1 l")
    assert price_for(business=business, product=oil, variant=litre).unit_minor == 2600
    assert available(oil) is None
    assert available(oil, litre) == 5
    assert available(shop["cannoli"]) == 25
    assert available(shop["cesta_personalizada"]) is None
    plain = variant_factory(oil, name="plain")
    assert available(oil, plain) is None  # takes its product's (untracked)


def test_events_on_uses_the_business_time_zone(business, shop):
    zone = zoneinfo.ZoneInfo(business.timezone)
    day = shop["cata_vinos"].starts_at.astimezone(zone).date()
    assert events_on(business=business, day=day) == [shop["cata_vinos"]]
    assert events_on(business=business, day=day + dt.timedelta(days=1)) == []


def test_search_finds_products_across_languages_and_accents(business, shop):
    def names(text, **kw):
        return [h.product.name for h in products_search(business=business, text=text, **kw)]

    assert names("crema de pistacho")[0] == "Crema de pistacho para untar"
    assert "Chocolate de Módica a la naranja (200g)" in names("modica")
    assert "Chocolate de Módica a la naranja (200g)" in names("MÓDICA chocolate")
    assert names("pistacchio", limit=10)  # Italian
    assert "Cannoli sicilianos (6 unidades)" in names("cannolo")  # stem
    boxes = names("caja regalo", limit=10)
    assert set(boxes[:3]) == {"Box Sicilia Clásica", "Degustación Siciliana", "Sabores de la Isla"}
    assert names("gift box", limit=3)[0] in boxes
    assert names("xylophone") == []


def test_search_filters_by_price_and_preference(business, shop):
    hits = products_search(business=business, text="surtido", max_price_minor=5000, limit=10)
    assert {h.product.name for h in hits} == {"Box Sicilia Clásica", "Sabores de la Isla"}
    assert all(h.score > 0 and h.price.final_minor <= 5000 for h in hits)
    sweet = products_search(business=business, text="dulce", limit=30)
    assert shop["cannoli"] in [h.product for h in sweet]
    assert shop["caponata"] not in [h.product for h in sweet]
    cheap = products_search(business=business, min_price_minor=4000, limit=30)
    assert all(h.price.final_minor >= 4000 for h in cheap)
    # the cannoli's offer counts in the price filter
    assert shop["cannoli"] in [
        h.product for h in products_search(business=business, text="cannoli", max_price_minor=1650)
    ]


def test_search_without_text_is_newest_first_and_scoped(business, other_business, shop):
    product_factory(other_business, name="Cannoli of another shop")
    hits = products_search(business=business, limit=3)
    assert len(hits) == 3
    assert all(h.product.business_id == business.pk for h in hits)
    assert products_search(business=other_business, text="cassata") == []
    events = products_search(business=business, kind="event")
    assert [h.product for h in events] == [shop["cata_vinos"]]


def test_category_factory_helper(business):
    root = category_factory(business, name="Root")
    assert categories_list(business=business) == [root]

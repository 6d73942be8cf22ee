"""Test data for every app that sells: factories for catalog rows and `sicilian_shop`, the shop
of seed 002's Spanish dialogs (three gift boxes at 45, 55 and 48 €, the pistachio cream of the
dialog, a dozen sweet and savoury Sicilian products, a service, an event, stock, WhatsApp
retailer ids and one offer)."""

import datetime as dt
import zoneinfo
from typing import Any

import factory
from django.utils import timezone

from kazan.commerce.models import Category, Offer, Product, ProductKind, ProductVariant


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    name = factory.Sequence(lambda n: f"Product {n}")
    price_minor = 1000
    currency = "EUR"


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductVariant

    name = factory.Sequence(lambda n: f"Variant {n}")


class OfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Offer

    name = factory.Sequence(lambda n: f"Offer {n}")
    kind = Offer.Kind.PERCENT
    value = 10


def product_factory(business: Any, **fields: Any) -> Product:
    """A product of `business` (10,00 € unless told), saved."""
    return Product.objects.create(
        business=business,
        **{"name": f"Product {Product.objects.count() + 1}", "price_minor": 1000, **fields},
    )


def category_factory(business: Any, **fields: Any) -> Category:
    return Category.objects.create(
        business=business, **{"name": f"Category {Category.objects.count() + 1}", **fields}
    )


def variant_factory(product: Product, **fields: Any) -> ProductVariant:
    return ProductVariant.objects.create(
        product=product, **{"name": f"Variant {product.variants.count() + 1}", **fields}
    )


def offer_factory(business: Any, *, products=(), categories=(), **fields: Any) -> Offer:
    offer = Offer.objects.create(
        business=business, **{"name": "Offer", "kind": "percent", "value": 10, **fields}
    )
    offer.products.set(products)
    offer.categories.set(categories)
    return offer


_SWEET = {"taste": "sweet", "sabor": "dulce", "gusto": "dolce"}
_SAVOURY = {"taste": "savoury", "sabor": "salado", "gusto": "salato"}
_MIXED = {"taste": "sweet and savoury", "sabor": "surtido dulce y salado", "gusto": "misto"}

# key, category key, name, price (cents), stock, retailer id, attributes, description
_PRODUCTS: list[tuple[str, str, str, int, int | None, str, dict[str, str], str]] = [
    (
        "box_clasica",
        "boxes",
        "Box Sicilia Clásica",
        4500,
        20,
        "SIC-BOX-CLASICA",
        {**_MIXED, "contenido": "passito, pistachos, pasta de almendras, caponata"},
        "Caja regalo / gift box / confezione regalo:\n"
        "- 1 botella de passito de Pantelleria (375ml)\n"
        "- 250g de pistachos de Bronte\n"
        "- 200g de pasta de almendras\n"
        "- 100g de caponata artesanal\n"
        "- Caja de regalo con lazo",
    ),
    (
        "box_degustacion",
        "boxes",
        "Degustación Siciliana",
        5500,
        15,
        "SIC-BOX-DEGUSTACION",
        {**_MIXED, "contenido": "crema de pistacho, pesto, cantucci, chocolate de Módica"},
        "Caja regalo / gift box / confezione regalo:\n"
        "- 1 crema de pistacho para untar (200g)\n"
        "- 1 pesto de pistacho (180g)\n"
        "- 250g de cantucci de almendras\n"
        "- 200g de chocolate de Módica a la naranja\n"
        "- 1 mermelada de higos chumbos (240g)\n"
        "- Caja artesanal de madera",
    ),
    (
        "box_sabores",
        "boxes",
        "Sabores de la Isla",
        4800,
        12,
        "SIC-BOX-SABORES",
        {**_MIXED, "contenido": "pasta, aceite de oliva, pesto trapanés, sal, sésamo"},
        "Caja regalo / gift box / confezione regalo:\n"
        "- 500g de pasta extruida en bronce\n"
        "- 1 botella de aceite de oliva virgen extra (250ml)\n"
        "- 1 tarro de pesto trapanés (180g)\n"
        "- 100g de sal marina con hierbas sicilianas\n"
        "- 150g de crujiente de sésamo\n"
        "- Envoltorio de regalo con papel personalizado",
    ),
    (
        "crema_pistacho",
        "spreads",
        "Crema de pistacho para untar",
        1290,
        40,
        "SIC-CREMA-PISTACHO",
        {**_SWEET, "peso": "200 g", "origen": "Bronte", "ingredientes": "pistachos de Bronte DOP"},
        "Crema di pistacchio / pistachio spread (200g). "
        "Ingredientes: pistachos de Bronte DOP (40%), azúcar moreno y aceite de girasol. "
        "No contiene conservantes ni colorantes.\n"
        "Cómo utilizarla:\n"
        "- Untada en rebanadas de pan o croissants para un desayuno goloso\n"
        "- Como relleno para tartas, galletas o pasteles\n"
        "- Añadida al helado de vainilla para darle un toque de sabor\n"
        "- Para preparar tiramisú o tarta de queso de pistacho\n"
        "- Simplemente disfrutada a cucharadas como postre",
    ),
    (
        "cannoli",
        "sweets",
        "Cannoli sicilianos (6 unidades)",
        1800,
        25,
        "SIC-CANNOLI",
        _SWEET,
        "Cannoli siciliani / Sicilian cannoli, rellenos de ricotta de oveja.",
    ),
    (
        "cassata",
        "sweets",
        "Cassata siciliana",
        2900,
        8,
        "SIC-CASSATA",
        _SWEET,
        "Cassata / Sicilian sponge cake with ricotta and candied fruit.",
    ),
    (
        "pasta_almendras",
        "sweets",
        "Pasta de almendras (200g)",
        900,
        30,
        "SIC-PASTA-MANDORLE",
        _SWEET,
        "Pasta di mandorle / almond pastries from Sicily.",
    ),
    (
        "chocolate_modica",
        "sweets",
        "Chocolate de Módica a la naranja (200g)",
        650,
        50,
        "SIC-MODICA-ARANCIA",
        _SWEET,
        "Cioccolato di Modica IGP all'arancia / Modica chocolate with orange.",
    ),
    (
        "cantucci",
        "sweets",
        "Cantucci de almendras (250g)",
        700,
        40,
        "SIC-CANTUCCI",
        _SWEET,
        "Cantucci alle mandorle / almond biscuits.",
    ),
    (
        "mermelada_higos",
        "spreads",
        "Mermelada de higos chumbos (240g)",
        750,
        20,
        "SIC-FICHI-INDIA",
        _SWEET,
        "Confettura di fichi d'India / prickly pear jam.",
    ),
    (
        "crujiente_sesamo",
        "sweets",
        "Crujiente de sésamo (150g)",
        450,
        35,
        "SIC-CUBAITA",
        _SWEET,
        "Cubaita / sesame and honey brittle.",
    ),
    (
        "pistachos",
        "savoury",
        "Pistachos de Bronte (250g)",
        1600,
        30,
        "SIC-PISTACCHI",
        _SAVOURY,
        "Pistacchi di Bronte DOP / Bronte pistachios, shelled.",
    ),
    (
        "caponata",
        "savoury",
        "Caponata artesanal (100g)",
        550,
        25,
        "SIC-CAPONATA",
        _SAVOURY,
        "Caponata / aubergine stew, artisanal.",
    ),
    (
        "pesto_pistacho",
        "savoury",
        "Pesto de pistacho (180g)",
        890,
        25,
        "SIC-PESTO-PISTACCHIO",
        _SAVOURY,
        "Pesto di pistacchio / pistachio pesto for pasta.",
    ),
    (
        "pesto_trapanes",
        "savoury",
        "Pesto trapanés (180g)",
        690,
        25,
        "SIC-PESTO-TRAPANESE",
        _SAVOURY,
        "Pesto alla trapanese / tomato and almond pesto.",
    ),
    (
        "pasta_bronce",
        "savoury",
        "Pasta extruida en bronce (500g)",
        380,
        60,
        "SIC-PASTA",
        _SAVOURY,
        "Pasta trafilata al bronzo / bronze-die pasta.",
    ),
    (
        "sal_hierbas",
        "savoury",
        "Sal marina con hierbas sicilianas (100g)",
        490,
        40,
        "SIC-SALE",
        _SAVOURY,
        "Sale marino di Trapani alle erbe / sea salt with Sicilian herbs.",
    ),
    (
        "passito",
        "drinks",
        "Passito de Pantelleria (375ml)",
        2400,
        18,
        "SIC-PASSITO",
        _SWEET,
        "Passito di Pantelleria DOC / sweet dessert wine.",
    ),
]


def _at(business: Any, days: int, hour: int) -> dt.datetime:
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)


def sicilian_shop(business: Any) -> dict[str, Product]:
    """Builds the Sicilian shop of seed 002 for `business`; returns its products by key (see
    `_PRODUCTS`, plus "aceite" with three variants, "cesta_personalizada" (a service) and
    "cata_vinos" (an event, a week from today at 19:00 in the business's time zone)). One
    offer: 10 % off the cannoli."""
    cat = {
        "boxes": Category.objects.create(
            business=business, name="Cajas regalo", description="Gift boxes / confezioni regalo"
        ),
        "sweets": Category.objects.create(
            business=business, name="Dulces", description="Sweets / dolci", position=1
        ),
        "savoury": Category.objects.create(
            business=business, name="Salados", description="Savoury / salati", position=2
        ),
        "drinks": Category.objects.create(
            business=business, name="Vinos", description="Wines / vini", position=3
        ),
        "services": Category.objects.create(
            business=business, name="Servicios", description="Services / servizi", position=4
        ),
        "events": Category.objects.create(
            business=business, name="Eventos", description="Events / eventi", position=5
        ),
    }
    cat["spreads"] = Category.objects.create(
        business=business,
        name="Cremas y mermeladas",
        description="Spreads / creme spalmabili",
        parent=cat["sweets"],
    )
    shop: dict[str, Product] = {}
    for key, category, name, price, stock, retailer_id, attributes, text in _PRODUCTS:
        shop[key] = Product.objects.create(
            business=business,
            category=cat[category],
            name=name,
            description=text,
            price_minor=price,
            stock=stock,
            retailer_id=retailer_id,
            sku=retailer_id,
            attributes=dict(attributes),
        )
    oil = Product.objects.create(
        business=business,
        category=cat["savoury"],
        name="Aceite de oliva virgen extra",
        description="Olio extravergine di oliva siciliano / Sicilian extra virgin olive oil.",
        price_minor=900,
        stock=None,
        retailer_id="SIC-OLIO",
        sku="SIC-OLIO",
        attributes=dict(_SAVOURY),
    )
    for position, (size, price, stock) in enumerate(
        [("250 ml", 900, 30), ("500 ml", 1500, 20), ("1 l", 2600, 5)]
    ):
        ProductVariant.objects.create(
            product=oil,
            name=size,
            options={"size": size},
            price_minor=price,
            stock=stock,
            position=position,
            retailer_id=f"SIC-OLIO-{size.replace(' ', '').upper()}",
            sku=f"SIC-OLIO-{size.replace(' ', '').upper()}",
        )
    shop["aceite"] = oil
    shop["cesta_personalizada"] = Product.objects.create(
        business=business,
        category=cat["services"],
        kind=ProductKind.SERVICE,
        name="Cesta regalo personalizada",
        description="Preparamos una cesta con los productos que elija, con tarjeta y envoltorio "
        "/ a custom gift basket of your choice.",
        price_minor=1500,
        duration_minutes=30,
        retailer_id="SIC-CESTA",
    )
    shop["cata_vinos"] = Product.objects.create(
        business=business,
        category=cat["events"],
        kind=ProductKind.EVENT,
        name="Cata de vinos sicilianos",
        description="Degustazione di vini siciliani / Sicilian wine tasting with a sommelier.",
        price_minor=3500,
        stock=30,
        starts_at=_at(business, 7, 19),
        ends_at=_at(business, 7, 21),
        retailer_id="SIC-CATA",
    )
    offer_factory(
        business, name="Cannoli -10 %", kind="percent", value=10, products=[shop["cannoli"]]
    )
    return shop

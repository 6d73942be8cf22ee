"""The demo's second business: "Delizie di Sicilia", a Sicilian delicatessen that sells on
WhatsApp (seed 002). Its catalog is imported the way a shop would import it (a CSV file through
`catalog_import`), then offers, registered WhatsApp customers, about 30 days of orders in every
status with their invoices, carts (some abandoned), the shopping assistant on its local engine
and FAQs in Spanish, Italian and English. All through the apps' services; the rows are then
dated back like the café's history.

WhatsApp is deliberately left unconnected: a demo must never send to Meta. The assistant is
tried from /dashboard/assistant/ ("test the assistant"), and no notification is sent for the
demo orders (`notify=False`)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

SHOP_SLUG = "delizie-di-sicilia"
SHOP_OWNER = ("owner@delizie-di-sicilia.localhost", "Salvatore Greco", "kazan-shop-demo-2026")
SHOP_DAYS = 30

# sku, name, kind, category, description, price, stock, retailer id, attributes, extra
CATALOG_HEADER = (
    "sku,name,kind,category,description,price,currency,stock,retailer_id,attributes,"
    "starts_at,duration_minutes,variant,variant_price,variant_stock,variant_sku\n"
)
_PRODUCTS: list[tuple[str, ...]] = [
    (
        "BOX-CLA",
        "Box Sicilia Clásica",
        "Cajas regalo",
        "1 botella de passito de Pantelleria (375ml), 250g de pistachos de Bronte, 200g de "
        "pasta de almendras, 100g de caponata artesanal. Confezione regalo / gift box.",
        "45",
        "40",
        "taste=assortment",
    ),
    (
        "BOX-DEG",
        "Degustación Siciliana",
        "Cajas regalo",
        "Crema de pistacho (200g), pesto de pistacho (180g), 250g de cantucci, chocolate de "
        "Módica a la naranja, mermelada de higos chumbos. Caja artesanal de madera.",
        "55",
        "30",
        "taste=assortment",
    ),
    (
        "BOX-SAB",
        "Sabores de la Isla",
        "Cajas regalo",
        "500g de pasta extruida en bronce, aceite de oliva virgen extra (250ml), pesto "
        "trapanés, sal marina con hierbas, crujiente de sésamo.",
        "48",
        "35",
        "taste=savoury",
    ),
    (
        "CREMA-PIS",
        "Crema de pistacho",
        "Dulces",
        "Pistachos de Bronte DOP (40%), azúcar moreno y aceite de girasol; sin conservantes ni "
        "colorantes. Untada en pan o croissants, en tartas o con helado. Crema di pistacchio.",
        "12.50",
        "80",
        "taste=sweet",
    ),
    (
        "CANNOLI",
        "Cannoli sicilianos (6)",
        "Dulces",
        "Cannoli con ricotta de oveja y pistacho, para rellenar en casa.",
        "18",
        "50",
        "taste=sweet",
    ),
    (
        "MODICA",
        "Chocolate de Módica a la naranja",
        "Dulces",
        "Cioccolato di Modica IGP all'arancia, 100g.",
        "5.50",
        "120",
        "taste=sweet",
    ),
    (
        "CANTUCCI",
        "Cantucci de almendras",
        "Dulces",
        "250g, almendras de Avola. Biscotti alle mandorle.",
        "7",
        "90",
        "taste=sweet",
    ),
    (
        "PASSITO",
        "Passito de Pantelleria",
        "Vinos",
        "Vino dulce DOC, 375ml. Sweet wine from Pantelleria.",
        "24",
        "40",
        "taste=sweet",
    ),
    (
        "NERO",
        "Nero d'Avola",
        "Vinos",
        "Vino tinto DOC Sicilia, 750ml. Red wine.",
        "14",
        "60",
        "taste=savoury",
    ),
    (
        "PESTO-TRA",
        "Pesto trapanés",
        "Salados",
        "Tomate, almendras, albahaca y ajo; 180g. Pesto alla trapanese.",
        "6.50",
        "70",
        "taste=savoury",
    ),
    (
        "CAPONATA",
        "Caponata artesanal",
        "Salados",
        "Berenjena, apio, alcaparras y aceitunas en agridulce; 280g.",
        "7.50",
        "60",
        "taste=savoury",
    ),
    (
        "BUSIATE",
        "Busiate de Trapani",
        "Salados",
        "Pasta extruida en bronce, 500g.",
        "4.50",
        "100",
        "taste=savoury",
    ),
    (
        "SAL-HIER",
        "Sal marina con hierbas sicilianas",
        "Salados",
        "Sal de Trapani con orégano y romero, 100g.",
        "4",
        "100",
        "taste=savoury",
    ),
]
_ORDER_PLAN = [  # (days ago, final status, payment method)
    (29, "delivered", "online"),
    (28, "delivered", "on_delivery"),
    (27, "delivered", "online"),
    (25, "refunded", "online"),
    (24, "delivered", "online"),
    (22, "cancelled", "online"),
    (21, "delivered", "online"),
    (19, "delivered", "on_delivery"),
    (17, "delivered", "online"),
    (15, "delivered", "online"),
    (13, "shipped", "online"),
    (11, "delivered", "online"),
    (9, "shipped", "on_delivery"),
    (7, "shipped", "online"),
    (6, "processing", "online"),
    (5, "cancelled", "on_delivery"),
    (4, "processing", "on_delivery"),
    (3, "paid", "online"),
    (2, "paid", "online"),
    (1, "pending", "online"),
    (0, "pending", "on_delivery"),
]
_PATHS = {  # the statuses an order goes through to reach its final one
    ("delivered", "online"): ["paid", "processing", "shipped", "delivered"],
    ("delivered", "on_delivery"): ["processing", "shipped", "delivered"],
    ("shipped", "online"): ["paid", "processing", "shipped"],
    ("shipped", "on_delivery"): ["processing", "shipped"],
    ("processing", "online"): ["paid", "processing"],
    ("processing", "on_delivery"): ["processing"],
    ("paid", "online"): ["paid"],
    ("refunded", "online"): ["paid", "refunded"],
    ("cancelled", "online"): ["cancelled"],
    ("cancelled", "on_delivery"): ["cancelled"],
    ("pending", "online"): [],
    ("pending", "on_delivery"): [],
}
CUSTOMERS = [
    ("Lucía", "Martínez", "es"),
    ("Javier", "López", "es"),
    ("Carmen", "Ruiz", "es"),
    ("Pablo", "Fernández", "es"),
    ("Elena", "Gómez", "es"),
    ("Giulia", "Ferrara", "it"),
    ("Marco", "Bianchi", "it"),
    ("Francesca", "Romano", "it"),
    ("Anna", "Schmidt", "en"),
    ("Tom", "Baker", "en"),
    ("Sofía", "Navarro", "es"),
    ("Luca", "Esposito", "it"),
]
FAQS = [
    (
        "es",
        "¿Cuánto tarda la entrega?",
        ["plazos de entrega", "¿Puede entregarse antes del viernes?", "envío"],
        "Enviamos en 24 horas; la entrega exprés llega en 2-3 días laborables a España e Italia.",
    ),
    (
        "es",
        "¿Puedo pagar contra reembolso?",
        ["pago en efectivo", "formas de pago"],
        "Sí: con tarjeta a través del enlace de pago seguro o en efectivo a la entrega.",
    ),
    (
        "es",
        "¿Los productos contienen alérgenos?",
        ["alergias", "sin gluten"],
        "Cada ficha indica los ingredientes; los dulces contienen frutos secos.",
    ),
    (
        "it",
        "Quanto tempo ci vuole per la consegna?",
        ["tempi di consegna", "spedizione"],
        "Spediamo entro 24 ore; la consegna espressa arriva in 2-3 giorni lavorativi.",
    ),
    (
        "it",
        "Posso pagare alla consegna?",
        ["contrassegno", "metodi di pagamento"],
        "Sì: con carta tramite il link di pagamento sicuro oppure in contanti alla consegna.",
    ),
    (
        "en",
        "How long does delivery take?",
        ["shipping times", "delivery"],
        "We ship within 24 hours; express delivery takes 2-3 working days.",
    ),
    (
        "en",
        "Can I pay cash on delivery?",
        ["payment methods", "cash"],
        "Yes: by card through the secure payment link, or cash on delivery.",
    ),
]


def _csv(now: datetime) -> bytes:
    rows = [CATALOG_HEADER]
    for sku, name, category, text, price, stock, attributes in _PRODUCTS:
        row = [sku, name, "product", category, text, price, "EUR", stock, f"SIC-{sku}"]
        rows.append(_line([*row, attributes, "", "", "", "", "", ""]))
    oil = ["OLIO", "Aceite de oliva virgen extra", "product", "Salados"]
    oil += ["Nocellara del Belice, cosecha temprana.", "9", "EUR", "", "SIC-OLIO"]
    rows.append(_line([*oil, "taste=savoury", "", "", "250 ml", "9", "60", "OLIO-250"]))
    rows.append(_line([*oil, "taste=savoury", "", "", "500 ml", "15", "40", "OLIO-500"]))
    tasting = ["CATA", "Cata online de vinos sicilianos", "service", "Experiencias"]
    tasting += ["Una hora con nuestra sumiller por videollamada.", "25", "EUR", "", "SIC-CATA"]
    rows.append(_line([*tasting, "", "", "60", "", "", "", ""]))
    day = (now + timedelta(days=12)).strftime("%Y-%m-%d 19:00")
    event = ["CENA", "Cena siciliana en Catania", "event", "Experiencias"]
    event += ["Menú de degustación con vinos, plazas limitadas.", "60", "EUR", "20", "SIC-CENA"]
    rows.append(_line([*event, "", day, "180", "", "", "", ""]))
    return "".join(rows).encode()


def _line(cells: list[str]) -> str:
    return ",".join('"' + cell.replace('"', '""') + '"' for cell in cells) + "\n"


def shop_load(*, staff: User) -> None:
    """The Sicilian shop and its month of trade; nothing when it exists already."""
    from kazan.tenancy.models import Business
    from kazan.tenancy.services import business_create

    if Business.objects.filter(slug=SHOP_SLUG).exists():
        return
    from kazan.demo.services import _user

    email, name, password = SHOP_OWNER
    owner = _user(email, name, password)
    business, _invitation = business_create(
        slug=SHOP_SLUG,
        name="Delizie di Sicilia",
        owner_email=email,
        actor=staff,
        address="Via Etnea 120, 95131 Catania",
        country="IT",
        language="es",
        currency="EUR",
        timezone="Europe/Rome",
        website_url="https://delizie-di-sicilia.example",
    )
    rng = random.Random(12)  # noqa: S311 — demo data, not security
    now = timezone.now()
    products = _catalog_load(business=business, owner=owner, now=now)
    customers = _customers_load(business=business)
    _orders_load(business=business, owner=owner, customers=customers, products=products, rng=rng)
    _carts_load(business=business, customers=customers, products=products, now=now)
    _assistant_load(business=business, owner=owner)


def _catalog_load(*, business: Business, owner: User, now: datetime) -> dict[str, Any]:
    from kazan.commerce.models import Category, Product
    from kazan.commerce.services import catalog_import, offer_save

    report = catalog_import(
        business=business,
        actor=owner,
        file_name="catalogo.csv",
        content=_csv(now),
        dry_run=False,
    )
    assert report.ok, report.errors
    products = {p.sku: p for p in Product.objects.filter(business=business)}
    sweets = Category.objects.get(business=business, name="Dulces")
    offer_save(
        business=business,
        actor=owner,
        name="Semana del dulce",
        kind="percent",
        value=10,
        starts_at=now - timedelta(days=3),
        ends_at=now + timedelta(days=4),
        category_ids=[sweets.pk],
    )
    offer_save(
        business=business,
        actor=owner,
        name="Caponata -1 €",
        kind="amount",
        value=100,
        product_ids=[products["CAPONATA"].pk],
    )
    offer_save(
        business=business,
        actor=owner,
        name="Navidad: cajas regalo -15 %",
        kind="percent",
        value=15,
        starts_at=now + timedelta(days=14),
        ends_at=now + timedelta(days=40),
        product_ids=[products[sku].pk for sku in ("BOX-CLA", "BOX-DEG", "BOX-SAB")],
    )
    return products


def _customers_load(*, business: Business) -> list[Any]:
    from kazan.customers.services import customer_get_or_create_by_phone, identity_attach
    from kazan.customers.services.registration import customer_register

    people = []
    for index, (first, last, language) in enumerate(CUSTOMERS):
        phone = f"+3460055{index:04d}"
        customer, _created = customer_get_or_create_by_phone(
            business=business, phone=phone, name=first, language=language, channel="whatsapp"
        )
        identity_attach(business=business, customer=customer, channel="whatsapp", external_id=phone)
        customer_register(
            business=business,
            customer=customer,
            name=f"{first} {last}",
            email=f"{first.lower()}.{index}@example.com".replace("í", "i").replace("ú", "u"),
            address={
                "street": f"Calle Mayor {index + 1}",
                "city": "Madrid" if language == "es" else "Palermo",
                "postal_code": "28013" if language == "es" else "90133",
                "country": "ES" if language == "es" else "IT",
            },
            language=language,
            data_processing_consent=True,
            marketing_consent=index % 3 != 2,
            channel="whatsapp",
            data_processing_wording="Acepto el tratamiento de mis datos personales.",
            marketing_wording="Quiero recibir ofertas por WhatsApp.",
        )
        people.append(customer)
    return people


def _orders_load(
    *,
    business: Business,
    owner: User,
    customers: list[Any],
    products: dict[str, Any],
    rng: random.Random,
) -> None:
    from kazan.commerce.services import cart_add, order_create, order_status_change

    boxes = [products[sku] for sku in ("BOX-CLA", "BOX-DEG", "BOX-SAB")]
    extras = [products[sku] for sku in ("CREMA-PIS", "CANNOLI", "MODICA", "PESTO-TRA", "NERO")]
    for number, (days, final, method) in enumerate(_ORDER_PLAN):
        customer = customers[number % len(customers)]
        for product, quantity in ((rng.choice(boxes), 1), (rng.choice(extras), rng.randint(1, 3))):
            cart_add(
                business=business,
                customer=customer,
                channel="whatsapp",
                product_id=product.pk,
                quantity=quantity,
            )
        order = order_create(
            business=business, customer=customer, channel="whatsapp", payment_method=method
        ).order
        for status in _PATHS[(final, method)]:
            order = order_status_change(
                business=business,
                order=order,
                to_status=status,
                actor=None if status == "paid" else owner,
                actor_kind="provider:stripe" if status == "paid" else "member",
                tracking_code=f"SEUR-{4400 + number}" if status == "shipped" else "",
                notify=False,  # the demo never messages anyone
            )
        _order_date_back(order, timezone.now() - timedelta(days=days, hours=rng.randint(1, 9)))


def _order_date_back(order: Any, at: datetime) -> None:
    """The order, its invoice and cart to the day it was placed. Its history (OrderEvent) is
    append-only and keeps the moment the demo was loaded."""
    from kazan.commerce.models import Cart, Invoice, Order

    steps = {"paid_at": 1, "shipped_at": 26, "delivered_at": 70, "cancelled_at": 5}
    moved = {
        field: at + timedelta(hours=hours)
        for field, hours in steps.items()
        if getattr(order, field) is not None
    }
    Order.objects.filter(pk=order.pk).update(created_at=at, updated_at=at, **moved)
    Invoice.objects.filter(order=order).update(issued_at=moved.get("paid_at", at))
    Cart.objects.filter(pk=order.cart_id).update(created_at=at, updated_at=at)


def _carts_load(
    *, business: Business, customers: list[Any], products: dict[str, Any], now: datetime
) -> None:
    """Open carts: two abandoned a day or more ago (one already reminded), one just now; and
    one that expired."""
    from kazan.commerce.models import Cart
    from kazan.commerce.services import cart_add

    plan = [
        ("BOX-DEG", timedelta(days=2), True, Cart.Status.OPEN),
        ("PASSITO", timedelta(hours=30), False, Cart.Status.OPEN),
        ("CANNOLI", timedelta(minutes=20), False, Cart.Status.OPEN),
        ("CAPONATA", timedelta(days=6), False, Cart.Status.EXPIRED),
    ]
    for customer, (sku, ago, reminded, status) in zip(customers[-4:], plan, strict=True):
        cart_add(
            business=business,
            customer=customer,
            channel="whatsapp",
            product_id=products[sku].pk,
            quantity=2,
        )
        Cart.objects.filter(business=business, customer=customer, status=Cart.Status.OPEN).update(
            created_at=now - ago,
            updated_at=now - ago,
            status=status,
            reminded_at=now - ago + timedelta(hours=4) if reminded else None,
        )


def _assistant_load(*, business: Business, owner: User) -> None:
    from kazan.agent.services import agent_settings_update, shop_flow_ensure
    from kazan.faq.services import faq_create

    agent_settings_update(
        business=business, actor=owner, enabled=True, engine="local", tone="friendly"
    )
    for language, question, alternatives, answer in FAQS:
        faq_create(
            business=business,
            actor=owner,
            question=question,
            alternatives=alternatives,
            answer=answer,
            language=language,
        )
    shop_flow_ensure(business=business)  # ready for when the shop connects its number

"""What the tools share: the plain data a product, a cart or an order becomes in a tool result
(ids, names, minor-unit prices with the currency and a formatted price in the customer's
language; never another customer's data), and the guards of a scope."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from kazan.agent.tools.registry import ToolFailed, ToolScope
from kazan.core.money import minor_digits, money_format

if TYPE_CHECKING:
    from kazan.commerce.models import Product
    from kazan.customers.models import Customer

DESCRIPTION_MAX = 900
SWEET_WORDS = ("sweet", "dulce", "dolce", "dolci", "dulces", "suss", "tatli", "dessert")
SAVOURY_WORDS = ("savoury", "savory", "salty", "salado", "salados", "salato", "salati", "salata",
                 "herzhaft", "tuzlu")  # fmt: skip
ASSORTMENT_WORDS = ("assortment", "assorted", "mixed", "surtido", "assortimento", "misto", "mix",
                    "gemischt", "karisik")  # fmt: skip


def customer_required(scope: ToolScope) -> Customer:
    if scope.customer is None:
        raise ToolFailed("customer_required", "The customer must register first.")
    return scope.customer


def to_minor(amount: Decimal | float | None, currency: str) -> int | None:
    if amount is None:
        return None
    return int(Decimal(str(amount)).scaleb(minor_digits(currency)).to_integral_value())


def price(minor: int, currency: str, scope: ToolScope) -> str:
    return money_format(minor, currency, scope.language)


def _texts(product: Product) -> str:
    from kazan.agent.nlu.text import fold

    parts: list[str] = [product.name]
    attributes = product.attributes if isinstance(product.attributes, dict) else {}
    for key, value in attributes.items():
        parts.append(str(key))
        parts.extend(str(v) for v in value) if isinstance(value, list) else parts.append(str(value))
    category = getattr(product, "category", None)
    while category is not None:
        parts.append(category.name)
        category = category.parent if category.parent_id else None
    return fold(" ".join(parts))


def tastes(product: Product) -> set[str]:
    """ "sweet", "savoury" and/or "assortment" as the product's attributes or categories say."""
    from kazan.agent.nlu.text import words

    found = set()
    tokens = set(words(_texts(product)))
    if tokens & set(SWEET_WORDS):
        found.add("sweet")
    if tokens & set(SAVOURY_WORDS):
        found.add("savoury")
    if tokens & set(ASSORTMENT_WORDS) or {"sweet", "savoury"} <= found:
        found.add("assortment")
    return found


def product_data(scope: ToolScope, product: Product, *, detail: bool = False) -> dict[str, Any]:
    """A product as a tool result shows it (public catalog data only)."""
    from kazan.commerce import queries as commerce_queries

    cost = commerce_queries.price_for(business=scope.business, product=product)
    available = commerce_queries.available(product)
    description = product.description or ""
    data: dict[str, Any] = {
        "id": product.pk,
        "name": product.name,
        "kind": product.kind,
        "category": product.category.name if product.category is not None else "",
        "price_minor": cost.final_minor,
        "currency": cost.currency,
        "price": price(cost.final_minor, cost.currency, scope),
        "discount_minor": cost.discount_minor,
        "in_stock": available is None or available > 0,
        "retailer_id": product.retailer_id,
        "description": description if detail else description[:DESCRIPTION_MAX],
    }
    if cost.discount_minor:
        data["regular_price"] = price(cost.unit_minor, cost.currency, scope)
    if available is not None:
        data["available"] = max(available, 0)
    if detail:
        attributes = product.attributes if isinstance(product.attributes, dict) else {}
        data["attributes"] = {str(k)[:40]: v for k, v in list(attributes.items())[:20]}
        data["variants"] = [
            {
                "id": v.pk,
                "name": v.name,
                "price": price(
                    commerce_queries.price_for(
                        business=scope.business, product=product, variant=v
                    ).final_minor,
                    cost.currency,
                    scope,
                ),
            }
            for v in product.variants.all()
            if v.active
        ]
    if product.starts_at:
        data["starts_at"] = product.starts_at.isoformat()
    if product.duration_minutes:
        data["duration_minutes"] = product.duration_minutes
    return data


def cart_data(scope: ToolScope, cart: Any) -> dict[str, Any]:
    currency = cart.currency
    return {
        "empty": cart.empty,
        "lines": [
            {
                "product_id": line.product_id,
                "variant_id": line.variant_id,
                "name": line.name,
                "quantity": line.quantity,
                "total_minor": line.total_minor,
                "total": price(line.total_minor, currency, scope),
            }
            for line in cart.lines
        ],
        "discount_minor": cart.discount_minor,
        "total_minor": cart.total_minor,
        "currency": currency,
        "total": price(cart.total_minor, currency, scope),
    }


def order_data(scope: ToolScope, order: Any) -> dict[str, Any]:
    return {
        "number": order.number,
        "status": order.status,
        "status_label": str(order.get_status_display()),
        "total_minor": order.total_minor,
        "currency": order.currency,
        "total": price(order.total_minor, order.currency, scope),
        "created": order.created_at.date().isoformat(),
        "tracking_code": order.tracking_code,
        "items": [
            {"name": item.name, "quantity": item.quantity} for item in order.items.all()[:20]
        ],
    }

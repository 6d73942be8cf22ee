"""CATALOG.json → a throwaway business's catalog, through the commerce and FAQ services.

The format (every key optional but `products`):

    {
      "business": {"name": "Sicilia Shop", "language": "es", "currency": "EUR",
                   "timezone": "Europe/Rome"},
      "categories": [{"key": "boxes", "name": "Cajas regalo", "description": "Gift boxes",
                      "parent": null}],
      "products": [{"key": "box_degustacion", "name": "Degustación Siciliana",
                    "kind": "product" | "service" | "event", "category": "boxes",
                    "price": "55.00", "currency": "EUR", "stock": 15 | null,
                    "description": "...", "attributes": {"taste": "sweet"},
                    "retailer_id": "SIC-BOX", "duration_minutes": 30,
                    "starts_in_days": 7, "starts_at_hour": 19, "hours": 2,
                    "variants": [{"name": "500 ml", "price": "15.00", "stock": 20,
                                  "options": {"size": "500 ml"}}]}],
      "faqs": [{"question": "...", "answer": "...", "language": "es",
                "alternatives": ["..."]}]
    }

Events start `starts_in_days` days after today at `starts_at_hour` (business time), so a
dev set keeps working on any day. Prices are decimal strings in the currency's major unit.
Dialog expectations name products as "@<key>" and days as "@today", "@today+N"."""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kazan.core.errors import ValidationFailed
from kazan.core.money import minor_digits


class CatalogError(ValueError):
    """The catalog file is not in the documented format."""


def _minor(value: object, currency: str) -> int:
    try:
        return int(Decimal(str(value)).scaleb(minor_digits(currency)).to_integral_value())
    except Exception as error:
        raise CatalogError(f"bad price {value!r}") from error


def business_build(spec: dict[str, Any]) -> Any:
    from kazan.tenancy.services import business_create

    info = spec.get("business") or {}
    slug = f"agent-eval-{secrets.token_hex(4)}"
    profile = {key: info[key] for key in ("language", "currency", "timezone") if info.get(key)}
    business, _invite = business_create(
        slug=slug,
        name=str(info.get("name") or "Agent evaluation shop")[:120],
        owner_email=f"{slug}@example.invalid",
        actor=None,
        **profile,
    )
    return business


def catalog_build(business: Any, spec: dict[str, Any]) -> dict[str, int]:
    """Creates the categories, products (with variants) and FAQs; returns product ids by key."""
    from kazan.commerce.services import category_create, product_create, variant_create
    from kazan.faq.services.faqs import faq_create

    if not isinstance(spec.get("products"), list):
        raise CatalogError("the catalog needs a list of products")
    categories: dict[str, int] = {}
    for index, raw in enumerate(spec.get("categories") or []):
        key = str(raw.get("key") or raw.get("name") or index)
        parent = categories.get(str(raw.get("parent"))) if raw.get("parent") else None
        category = category_create(
            business=business,
            actor=None,
            actor_kind="system",
            name=str(raw.get("name") or key),
            description=str(raw.get("description") or ""),
            parent_id=parent,
            position=index,
        )
        categories[key] = category.pk
    zone = zoneinfo.ZoneInfo(business.timezone or "UTC")
    today = timezone.now().astimezone(zone).date()
    products: dict[str, int] = {}
    for index, raw in enumerate(spec["products"]):
        key = str(raw.get("key") or index)
        currency = str(raw.get("currency") or business.currency or "EUR")
        fields: dict[str, Any] = {
            "name": raw.get("name"),
            "description": raw.get("description") or "",
            "kind": raw.get("kind") or "product",
            "price_minor": _minor(raw.get("price", "0"), currency),
            "currency": currency,
            "stock": raw.get("stock"),
            "attributes": {str(k): str(v) for k, v in (raw.get("attributes") or {}).items()},
            "retailer_id": raw.get("retailer_id") or "",
            "sku": raw.get("retailer_id") or "",
        }
        if raw.get("category"):
            if str(raw["category"]) not in categories:
                raise CatalogError(f"product {key}: unknown category {raw['category']!r}")
            fields["category_id"] = categories[str(raw["category"])]
        if raw.get("duration_minutes"):
            fields["duration_minutes"] = raw["duration_minutes"]
        if raw.get("starts_in_days") is not None:
            day = today + dt.timedelta(days=int(raw["starts_in_days"]))
            start = dt.datetime.combine(day, dt.time(int(raw.get("starts_at_hour", 19))), zone)
            fields["starts_at"] = start
            fields["ends_at"] = start + dt.timedelta(hours=int(raw.get("hours", 2)))
        try:
            product = product_create(business=business, actor=None, actor_kind="system", **fields)
            for variant in raw.get("variants") or []:
                variant_create(
                    business=business,
                    actor=None,
                    actor_kind="system",
                    product=product,
                    name=variant.get("name"),
                    price_minor=_minor(variant["price"], currency)
                    if variant.get("price")
                    else None,
                    stock=variant.get("stock"),
                    options={str(k): str(v) for k, v in (variant.get("options") or {}).items()},
                    retailer_id=variant.get("retailer_id") or "",
                )
        except ValidationFailed as error:
            raise CatalogError(f"product {key}: {error.message}") from error
        products[key] = product.pk
    for raw in spec.get("faqs") or []:
        try:
            faq_create(
                business=business,
                actor=None,
                actor_kind="system",
                question=raw["question"],
                answer=raw["answer"],
                language=raw.get("language") or business.language,
                alternatives=raw.get("alternatives") or [],
            )
        except (KeyError, ValidationFailed) as error:
            raise CatalogError(f"bad FAQ {raw!r:.60}") from error
    return products

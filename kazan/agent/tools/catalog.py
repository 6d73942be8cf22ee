"""Catalog tools: product lists and search (by words, budget and taste), categories, one
product's or service's details, events on a day. Reads through kazan.commerce.queries only,
always with the scope's business (another business's product id is simply not found)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

import pydantic

from kazan.agent.tools.common import product_data, tastes, to_minor
from kazan.agent.tools.registry import Tool, ToolFailed, ToolScope, tool_register
from kazan.core.errors import NotFound

LIST_MAX = 10


class _Args(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid", str_strip_whitespace=True)


class ProductListArgs(_Args):
    query: str = pydantic.Field("", max_length=200, description="Words to search for.")
    max_price: Decimal | None = pydantic.Field(None, gt=0, le=1_000_000)
    min_price: Decimal | None = pydantic.Field(None, ge=0, le=1_000_000)
    preference: Literal["sweet", "savoury", "assortment"] | None = None
    kind: Literal["product", "service", "event"] | None = None
    category_id: int | None = pydantic.Field(None, ge=1)
    limit: int = pydantic.Field(5, ge=1, le=LIST_MAX)


def _currency(scope: ToolScope) -> str:
    return str(getattr(scope.business, "currency", "") or "EUR")


def _by_preference(products: list[Any], preference: str | None) -> tuple[list[Any], bool]:
    if not preference:
        return products, True
    kept = [p for p in products if preference in tastes(p)]
    return (kept, True) if kept else (products, False)


def get_product_list(scope: ToolScope, args: ProductListArgs) -> dict[str, Any]:
    from kazan.commerce import queries as commerce_queries

    currency = _currency(scope)
    hits = commerce_queries.products_search(
        business=scope.business,
        text=args.query,
        kind=args.kind,
        category_id=args.category_id,
        max_price_minor=to_minor(args.max_price, currency),
        min_price_minor=to_minor(args.min_price, currency),
        limit=LIST_MAX * 2 if args.preference else args.limit,
    )
    products = [hit.product for hit in hits if args.kind or hit.product.kind != "event"]
    products, matched = _by_preference(products, args.preference)
    products = products[: args.limit]
    return {
        "products": [product_data(scope, p) for p in products],
        "count": len(products),
        "preference_matched": matched,
    }


class CategoryArgs(_Args):
    category_id: int | None = pydantic.Field(None, ge=1)
    category: str = pydantic.Field("", max_length=120, description="The category's name.")
    limit: int = pydantic.Field(LIST_MAX, ge=1, le=LIST_MAX)


def _category_named(scope: ToolScope, name: str) -> Any:
    from kazan.agent.nlu.text import fold
    from kazan.commerce import queries as commerce_queries

    wanted = set(fold(name).split())
    best, score = None, 0
    for category in commerce_queries.categories_list(business=scope.business, parent_id=None):
        pool = [category, *commerce_queries.categories_list(
            business=scope.business, parent_id=category.pk
        )]  # fmt: skip
        for candidate in pool:
            common = len(wanted & set(fold(candidate.name).split()))
            if common > score:
                best, score = candidate, common
    return best


def get_products_by_category(scope: ToolScope, args: CategoryArgs) -> dict[str, Any]:
    from kazan.commerce import queries as commerce_queries

    category = None
    if args.category_id is not None:
        category = next(
            (c for c in _all_categories(scope) if c.pk == args.category_id),
            None,
        )
    elif args.category:
        category = _category_named(scope, args.category)
    if category is None:
        raise ToolFailed("category_not_found", "No such category.")
    products = commerce_queries.products_list(
        business=scope.business, category_id=category.pk, limit=args.limit
    )
    return {
        "category": {"id": category.pk, "name": category.name},
        "products": [product_data(scope, p) for p in products],
        "count": len(products),
    }


def _all_categories(scope: ToolScope) -> list[Any]:
    from kazan.commerce import queries as commerce_queries

    top = commerce_queries.categories_list(business=scope.business, parent_id=None)
    out = list(top)
    for category in top:
        out.extend(commerce_queries.categories_list(business=scope.business, parent_id=category.pk))
    return out


class NoArgs(_Args):
    pass


def get_categories(scope: ToolScope, args: NoArgs) -> dict[str, Any]:
    return {
        "categories": [
            {"id": c.pk, "name": c.name, "parent_id": c.parent_id} for c in _all_categories(scope)
        ]
    }


class ProductArgs(_Args):
    product_id: int | None = pydantic.Field(None, ge=1)
    name: str = pydantic.Field("", max_length=200, description="The product's name.")

    @pydantic.model_validator(mode="after")
    def _one(self) -> ProductArgs:
        if self.product_id is None and not self.name:
            raise ValueError("product_id or name is required")
        return self


def _product(scope: ToolScope, args: ProductArgs, kind: str | None) -> Any:
    from kazan.commerce import queries as commerce_queries

    if args.product_id is not None:
        try:
            product = commerce_queries.product_get(
                business=scope.business, product_id=args.product_id, active_only=True
            )
        except NotFound:
            raise ToolFailed("product_not_found", "No such product.") from None
        if kind and product.kind != kind:
            raise ToolFailed("product_not_found", "No such product.")
        return product
    hits = commerce_queries.products_search(
        business=scope.business, text=args.name, kind=kind, limit=1
    )
    if not hits:
        raise ToolFailed("product_not_found", "No such product.")
    return hits[0].product


def get_product_info(scope: ToolScope, args: ProductArgs) -> dict[str, Any]:
    return {"product": product_data(scope, _product(scope, args, None), detail=True)}


def get_service_info(scope: ToolScope, args: ProductArgs) -> dict[str, Any]:
    return {"service": product_data(scope, _product(scope, args, "service"), detail=True)}


class EventArgs(_Args):
    date: dt.date = pydantic.Field(description="The day, YYYY-MM-DD.")


def get_event_by_date(scope: ToolScope, args: EventArgs) -> dict[str, Any]:
    from kazan.commerce import queries as commerce_queries

    today = scope.business.today()
    if args.date < today - dt.timedelta(days=1) or args.date > today + dt.timedelta(days=730):
        raise ToolFailed("date_out_of_range", "Ask about a day from today on.")
    events = commerce_queries.events_on(business=scope.business, day=args.date)
    return {
        "date": args.date.isoformat(),
        "events": [product_data(scope, e) for e in events[:LIST_MAX]],
        "count": len(events),
    }


def register() -> None:
    for tool in (
        Tool(
            "get_product_list",
            "List or search the shop's products by words, price range and taste preference.",
            ProductListArgs,
            get_product_list,
        ),
        Tool(
            "get_products_by_category",
            "List the products of one category (by id or name).",
            CategoryArgs,
            get_products_by_category,
        ),
        Tool("get_categories", "List the shop's product categories.", NoArgs, get_categories),
        Tool(
            "get_product_info",
            "Details of one product: description, usage, ingredients, variants, price, stock.",
            ProductArgs,
            get_product_info,
        ),
        Tool(
            "get_service_info",
            "Details of one service the business offers.",
            ProductArgs,
            get_service_info,
        ),
        Tool(
            "get_event_by_date",
            "Events the business holds on a given day.",
            EventArgs,
            get_event_by_date,
        ),
    ):
        tool_register(tool)

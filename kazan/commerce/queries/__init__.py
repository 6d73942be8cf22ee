"""Reads of the commerce app, one module per group, re-exported here: callers import from
`kazan.commerce.queries`."""

from kazan.commerce.queries.catalog import (
    Price,
    ProductHit,
    available,
    categories_list,
    category_get,
    category_tree,
    events_on,
    offer_get,
    offers_list,
    price_for,
    product_by_retailer_id,
    product_count,
    product_get,
    product_limit,
    products_list,
    products_search,
)

__all__ = [
    "Price",
    "ProductHit",
    "available",
    "categories_list",
    "category_get",
    "category_tree",
    "events_on",
    "offer_get",
    "offers_list",
    "price_for",
    "product_by_retailer_id",
    "product_count",
    "product_get",
    "product_limit",
    "products_list",
    "products_search",
]

"""Write use-cases of the commerce app, one module per group, re-exported here: callers import
from `kazan.commerce.services`."""

from kazan.commerce.services.catalog import (
    product_create,
    product_delete,
    product_limit_check,
    product_limit_set,
    product_update,
    variant_create,
    variant_delete,
    variant_update,
)
from kazan.commerce.services.catalog_groups import (
    category_create,
    category_delete,
    category_update,
    offer_delete,
    offer_save,
)
from kazan.commerce.services.catalog_media import media_add, media_delete
from kazan.commerce.services.imports import (
    ImportReport,
    catalog_import,
    catalog_import_stage,
    catalog_import_staged,
    catalog_import_unstage,
)
from kazan.commerce.services.stock import (
    StockLine,
    stock_fulfil,
    stock_release,
    stock_reserve,
)

__all__ = [
    "ImportReport",
    "StockLine",
    "catalog_import",
    "catalog_import_stage",
    "catalog_import_staged",
    "catalog_import_unstage",
    "category_create",
    "category_delete",
    "category_update",
    "media_add",
    "media_delete",
    "offer_delete",
    "offer_save",
    "product_create",
    "product_delete",
    "product_limit_check",
    "product_limit_set",
    "product_update",
    "stock_fulfil",
    "stock_release",
    "stock_reserve",
    "variant_create",
    "variant_delete",
    "variant_update",
]

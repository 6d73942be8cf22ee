"""Write use-cases of the commerce app, one module per group, re-exported here: callers import
from `kazan.commerce.services`."""

from kazan.commerce.services.cart import (
    cart_add,
    cart_clear,
    cart_from_order_message,
    cart_remove,
    cart_set_quantity,
    carts_expire,
)
from kazan.commerce.services.catalog import (
    product_create,
    product_delete,
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
from kazan.commerce.services.invoices import invoice_issue, invoice_pdf
from kazan.commerce.services.notifications import order_status_notify
from kazan.commerce.services.orders import (
    TRANSITIONS,
    BulkResult,
    OrderPlaced,
    number_next,
    order_cancel,
    order_create,
    order_mark_paid,
    order_note_add,
    order_status_change,
    orders_bulk_status,
)
from kazan.commerce.services.packages import (
    DEFAULT_PACKAGES,
    addon_prices_set,
    package_create,
    package_deactivate,
    package_update,
    packages_ensure_defaults,
)
from kazan.commerce.services.payments import (
    order_checkout_event,
    order_checkout_start,
    payment_link_issue,
)
from kazan.commerce.services.queue import queue_move
from kazan.commerce.services.queue_placing import (
    TokenQuote,
    token_order_place,
    token_order_quote,
    token_order_rerun,
)
from kazan.commerce.services.queue_status import (
    TOKEN_TRANSITIONS,
    token_order_assign,
    token_order_cancel,
    token_order_complete,
    token_order_note_add,
    token_order_status_set,
    token_orders_bulk,
)
from kazan.commerce.services.reminders import carts_remind
from kazan.commerce.services.stock import (
    StockLine,
    stock_fulfil,
    stock_release,
    stock_reserve,
)

__all__ = [
    "DEFAULT_PACKAGES",
    "TOKEN_TRANSITIONS",
    "TRANSITIONS",
    "BulkResult",
    "ImportReport",
    "OrderPlaced",
    "StockLine",
    "TokenQuote",
    "addon_prices_set",
    "cart_add",
    "cart_clear",
    "cart_from_order_message",
    "cart_remove",
    "cart_set_quantity",
    "carts_expire",
    "carts_remind",
    "catalog_import",
    "catalog_import_stage",
    "catalog_import_staged",
    "catalog_import_unstage",
    "category_create",
    "category_delete",
    "category_update",
    "invoice_issue",
    "invoice_pdf",
    "media_add",
    "media_delete",
    "number_next",
    "offer_delete",
    "offer_save",
    "order_cancel",
    "order_checkout_event",
    "order_checkout_start",
    "order_create",
    "order_mark_paid",
    "order_note_add",
    "order_status_change",
    "order_status_notify",
    "orders_bulk_status",
    "package_create",
    "package_deactivate",
    "package_update",
    "packages_ensure_defaults",
    "payment_link_issue",
    "product_create",
    "product_delete",
    "product_update",
    "queue_move",
    "stock_fulfil",
    "stock_release",
    "stock_reserve",
    "token_order_assign",
    "token_order_cancel",
    "token_order_complete",
    "token_order_note_add",
    "token_order_place",
    "token_order_quote",
    "token_order_rerun",
    "token_order_status_set",
    "token_orders_bulk",
    "variant_create",
    "variant_delete",
    "variant_update",
]

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
from kazan.commerce.services.payments import (
    order_checkout_event,
    order_checkout_start,
    payment_link_issue,
)
from kazan.commerce.services.reminders import carts_remind
from kazan.commerce.services.stock import (
    StockLine,
    stock_fulfil,
    stock_release,
    stock_reserve,
)

__all__ = [
    "TRANSITIONS",
    "BulkResult",
    "OrderPlaced",
    "StockLine",
    "cart_add",
    "cart_clear",
    "cart_from_order_message",
    "cart_remove",
    "cart_set_quantity",
    "carts_expire",
    "carts_remind",
    "invoice_issue",
    "invoice_pdf",
    "number_next",
    "order_cancel",
    "order_checkout_event",
    "order_checkout_start",
    "order_create",
    "order_mark_paid",
    "order_note_add",
    "order_status_change",
    "order_status_notify",
    "orders_bulk_status",
    "payment_link_issue",
    "stock_fulfil",
    "stock_release",
    "stock_reserve",
]

"""Commerce's reads, one module per group, re-exported here."""

from kazan.commerce.queries.orders import (
    CartLine,
    CartView,
    SalesMetrics,
    cart_view,
    commerce_settings_for,
    order_get,
    orders_for_customer,
    orders_list,
    sales_metrics,
)

__all__ = [
    "CartLine",
    "CartView",
    "SalesMetrics",
    "cart_view",
    "commerce_settings_for",
    "order_get",
    "orders_for_customer",
    "orders_list",
    "sales_metrics",
]

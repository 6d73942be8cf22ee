"""The stable codes of the commerce app's errors."""

from kazan.core.errors import ErrorCode


class CommerceErrorCode(ErrorCode):
    PRODUCT_NOT_FOUND = "product_not_found"
    PRODUCT_INACTIVE = "product_inactive"
    OUT_OF_STOCK = "out_of_stock"
    INVALID_QUANTITY = "invalid_quantity"
    VARIANT_REQUIRED = "variant_required"
    CART_EMPTY = "cart_empty"
    CART_EXPIRED = "cart_expired"
    ORDER_NOT_FOUND = "order_not_found"
    STATUS_TRANSITION = "order_status_transition"
    PAYMENT_UNAVAILABLE = "payment_unavailable"
    IMPORT_INVALID = "catalog_import_invalid"
    INVALID_PRODUCT = "invalid_product"
    INVALID_OFFER = "invalid_offer"
    CURRENCY_MISMATCH = "currency_mismatch"
    # Token orders and the queue (seed 004).
    INVALID_PACKAGE = "invalid_package"
    PACKAGE_UNAVAILABLE = "package_unavailable"
    PROFILE_MISMATCH = "profile_mismatch"
    INVALID_OPERATOR = "invalid_operator"
    NOT_IN_QUEUE = "not_in_queue"
    RERUN_REFUSED = "rerun_refused"
    QUOTE_CHANGED = "quote_changed"

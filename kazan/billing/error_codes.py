"""The stable codes of billing's errors: API clients, the pages and the activity log match on
them."""

from kazan.core.errors import ErrorCode


class BillingErrorCode(ErrorCode):
    GATEWAY_UNAVAILABLE = "gateway_unavailable"
    # Recorded as a failed payment's reason when the gateway gave no code of its own.
    GATEWAY_ERROR = "gateway_error"
    # The Stripe gateway's own: a Checkout Session answered without an id or URL.
    NO_SESSION = "no_session"
    # A business's own merchant account (OxaPay): a gateway without accounts, a malformed key.
    INVALID_GATEWAY = "invalid_gateway"
    INVALID_CREDENTIALS = "invalid_credentials"
    OPEN_CHECKOUTS = "open_checkouts"
    INVALID_PACKAGE = "invalid_package"
    INVALID_SMS_ALLOWANCE = "invalid_sms_allowance"
    INVALID_PRICE = "invalid_price"
    INVALID_REASON = "invalid_reason"
    INVALID_RECIPIENT = "invalid_recipient"
    INVALID_BANK_NAME = "invalid_bank_name"
    INVALID_ADDRESS = "invalid_address"
    INVALID_IBAN = "invalid_iban"
    INVALID_BIC = "invalid_bic"
    NOT_MANUAL = "not_manual"
    NOT_PENDING = "not_pending"
    PAYMENT_CLOSED = "payment_closed"
    # Plan subscriptions (lifecycle).
    PLAN_UNAVAILABLE = "plan_unavailable"
    ALREADY_SUBSCRIBED = "already_subscribed"
    NOT_SUBSCRIBED = "not_subscribed"
    SAME_PLAN = "same_plan"
    DOWNGRADE_BLOCKED = "downgrade_blocked"
    OPEN_INVOICE = "open_invoice"
    NOT_CANCELLABLE = "not_cancellable"
    NOT_CANCELLED = "not_cancelled"
    # The gateway cannot withdraw a cancellation (Razorpay): the plan runs to its end.
    RESUME_UNSUPPORTED = "resume_unsupported"
    INVOICE_NOT_OPEN = "invoice_not_open"

    # Razorpay: a Checkout callback whose signature does not verify.
    INVALID_SIGNATURE = "invalid_signature"
    # Invoices, credit notes, billing profiles and tax rates (issue 14, invoices).
    INVALID_VAT_ID = "invalid_vat_id"
    INVALID_COUNTRY = "invalid_country"
    INVALID_RATE = "invalid_rate"
    INVALID_EMAIL = "invalid_email"
    INVALID_FIELD = "invalid_field"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_LINES = "invalid_lines"
    NOT_CREDITABLE = "not_creditable"
    REFUND_FAILED = "refund_failed"

"""Billing write use-cases, one module per group: subscriptions (terms, the monthly allowance),
payments (upgrades and their payments), manual (bank details, the pro-forma invoice) and quota
(the warning emails).

Money moves only through messaging's credit ledger (sms_credits_purchase / sms_credits_grant,
idempotent by reference) and a payment's status only through conditional UPDATEs, so a replayed
or concurrent webhook, a double click on "confirm" or a task run twice credits nothing twice.
Gateways are called outside any transaction: a slow provider never holds a row lock.
"""

from kazan.billing.queries import DEFAULT_PACKAGE, gateway_account_configured
from kazan.billing.services.accounts import (
    gateway_account_remove,
    gateway_account_save,
    gateway_checkout_record,
)
from kazan.billing.services.manual import (
    BANK_TEXT_MAX,
    bank_details_update,
    payment_proforma_send,
    payment_reference,
    proforma_enqueue,
)
from kazan.billing.services.payments import (
    GatewayEventData,
    PaymentGatewayUnavailable,
    UpgradeStarted,
    gateway_configured,
    gateway_event_apply,
    package_upgrade_start,
    payment_cancel,
    payment_confirm,
    payment_mark_paid,
    payment_reconcile,
)
from kazan.billing.services.quota import (
    quota_notify,
    quota_notify_all,
)
from kazan.billing.services.subscriptions import (
    PRICE_MINOR_MAX,
    SMS_ALLOWANCE_MAX,
    allowance_grant,
    allowance_grant_monthly,
    month_key,
    month_start,
    package_default,
    subscription_for,
    subscription_terms_change,
)

__all__ = [
    "BANK_TEXT_MAX",
    "DEFAULT_PACKAGE",
    "PRICE_MINOR_MAX",
    "SMS_ALLOWANCE_MAX",
    "GatewayEventData",
    "PaymentGatewayUnavailable",
    "UpgradeStarted",
    "allowance_grant",
    "allowance_grant_monthly",
    "bank_details_update",
    "gateway_account_configured",
    "gateway_account_remove",
    "gateway_account_save",
    "gateway_checkout_record",
    "gateway_configured",
    "gateway_event_apply",
    "month_key",
    "month_start",
    "package_default",
    "package_upgrade_start",
    "payment_cancel",
    "payment_confirm",
    "payment_mark_paid",
    "payment_proforma_send",
    "payment_reconcile",
    "payment_reference",
    "proforma_enqueue",
    "quota_notify",
    "quota_notify_all",
    "subscription_for",
    "subscription_terms_change",
]

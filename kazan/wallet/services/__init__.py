"""The token wallet's use cases (seed 004 §3.3): the ledger, purchases, premium, settings."""

from kazan.wallet.services.premium import (
    premium_buy_with_tokens,
    premium_grant,
    unscoped_premium_reminders_send,
)
from kazan.wallet.services.purchases import (
    purchase_checkout_event,
    purchase_outcome_apply,
    purchase_recheck,
    purchase_start,
    unscoped_purchases_poll,
)
from kazan.wallet.services.settings import wallet_settings_get, wallet_settings_save
from kazan.wallet.services.tokens import (
    tokens_adjust,
    tokens_credit,
    tokens_debit,
    tokens_refund,
)

__all__ = [
    "premium_buy_with_tokens",
    "premium_grant",
    "purchase_checkout_event",
    "purchase_outcome_apply",
    "purchase_recheck",
    "purchase_start",
    "tokens_adjust",
    "tokens_credit",
    "tokens_debit",
    "tokens_refund",
    "unscoped_premium_reminders_send",
    "unscoped_purchases_poll",
    "wallet_settings_get",
    "wallet_settings_save",
]

"""The business's wallet settings (prices, top-up amounts, gateway, premium, low balance)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction

from kazan.activity.services import activity_record
from kazan.wallet.models import WalletSettings

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

EDITABLE = (
    "token_price_minor",
    "currency",
    "topup_amounts",
    "topup_min",
    "topup_max",
    "gateway",
    "invoice_lifetime_minutes",
    "premium_price_tokens",
    "premium_price_minor",
    "premium_days",
    "low_balance_threshold",
)


def wallet_settings_get(*, business: Business) -> WalletSettings:
    """The business's settings row, created with the defaults on first use."""
    found, _created = WalletSettings.objects.get_or_create(business=business)
    return found


def wallet_settings_save(
    *, business: Business, data: dict[str, Any], actor: Actor
) -> WalletSettings:
    """Saves the validated settings form (`data` holds EDITABLE keys) and records which
    fields changed."""
    with transaction.atomic():
        current = wallet_settings_get(business=business)
        changed = [key for key in EDITABLE if key in data and getattr(current, key) != data[key]]
        for key in changed:
            setattr(current, key, data[key])
        if changed:
            current.save()
            activity_record(
                business=business,
                actor=actor,
                action="wallet.settings_changed",
                data={"fields": changed},
            )
        return current

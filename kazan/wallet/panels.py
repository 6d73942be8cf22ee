"""The wallet panel on the customer detail page (see customers.panels): balance, premium,
history, and for wallet.adjust the forms to adjust the balance and grant premium."""

from __future__ import annotations

from typing import Any

from kazan.wallet import queries
from kazan.wallet.forms import AdjustForm, GrantPremiumForm


def wallet_panel_context(request: Any, customer: Any) -> dict[str, Any] | None:
    membership = request.membership
    if membership is None or not membership.can("customers.view"):
        return None
    business = request.business
    can_adjust = membership.can("wallet.adjust")
    return {
        "wallet_customer": customer,
        "balance": queries.token_balance(business=business, customer=customer),
        "premium_until": queries.premium_until(business=business, customer=customer),
        "entries": queries.token_entries(business=business, customer=customer, limit=20),
        "can_adjust": can_adjust,
        "adjust_form": AdjustForm() if can_adjust else None,
        "premium_form": GrantPremiumForm() if can_adjust else None,
    }

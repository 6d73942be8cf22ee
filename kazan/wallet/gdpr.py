"""GDPR section of the wallet: what a customer's export shows and what their erasure removes.

The token ledger is the business's financial record and append-only: its entries stay (amounts,
kinds, references, no personal data of the customer) and keep pointing at the erased customer
row. What could identify the payer goes: the gateway's payment page link of each purchase (an
invoice page may show the paying wallet's address)."""

from typing import Any

from kazan.wallet.models import PremiumPeriod, TokenAccount, TokenEntry, TokenPurchase


def wallet_export(business: Any, customer: Any) -> dict[str, Any]:
    balance = (
        TokenAccount.objects.filter(business=business, customer=customer)
        .values_list("balance", flat=True)
        .first()
    )
    return {
        "balance": balance or 0,
        "entries": [
            {
                "kind": e.kind,
                "amount": e.amount,
                "balance_after": e.balance_after,
                "reference": e.reference,
                "note": e.note,
                "created_at": e.created_at.isoformat(),
            }
            for e in TokenEntry.objects.filter(business=business, account__customer=customer)
        ],
        "purchases": [
            {
                "purpose": p.purpose,
                "tokens": p.tokens,
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "gateway": p.gateway,
                "status": p.status,
                "created_at": p.created_at.isoformat(),
                "paid_at": p.paid_at.isoformat() if p.paid_at else None,
            }
            for p in TokenPurchase.objects.filter(business=business, customer=customer)
        ],
        "premium": [
            {
                "starts_at": p.starts_at.isoformat(),
                "expires_at": p.expires_at.isoformat(),
                "source": p.source,
            }
            for p in PremiumPeriod.objects.filter(business=business, customer=customer)
        ],
    }


def wallet_erase(business: Any, customer: Any) -> None:
    TokenPurchase.objects.filter(business=business, customer=customer).update(pay_url="")

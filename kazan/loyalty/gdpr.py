"""GDPR sections of loyalty: what a customer's export shows and what their erasure removes."""

from kazan.loyalty.models import Review, Voucher


def reviews_export(business, customer) -> list[dict]:
    return [
        {
            "rating": r.rating,
            "comment": r.comment,
            "channel": r.channel,
            "created_at": r.created_at.isoformat(),
        }
        for r in Review.objects.filter(business=business, customer=customer)
    ]


def reviews_erase(business, customer) -> None:
    # The rating stays for the business's statistics; the words and the link to the person go.
    Review.objects.filter(business=business, customer=customer).update(comment="", customer=None)


def vouchers_export(business, customer) -> list[dict]:
    return [
        {
            "code": v.code,
            "kind": v.kind,
            "discount": v.discount_text,
            "created_at": v.created_at.isoformat(),
            "expires_at": v.expires_at.isoformat(),
            "redeemed_at": v.redeemed_at.isoformat() if v.redeemed_at else None,
        }
        for v in Voucher.objects.filter(business=business, customer=customer)
    ]


def vouchers_erase(business, customer) -> None:
    # The voucher stays (its code may still be in a wallet and issued/redeemed counts stay
    # right); only the link to the person goes. NULL never collides in the one-welcome rule.
    Voucher.objects.filter(business=business, customer=customer).update(customer=None)

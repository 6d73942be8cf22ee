from kazan.loyalty.models import Review


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

from django.db.models import Avg, Count, QuerySet

from kazan.loyalty.models import Review


def review_stats(*, business) -> dict:
    stats = Review.objects.filter(business=business).aggregate(count=Count("id"), avg=Avg("rating"))
    return {"count": stats["count"], "average": round(stats["avg"] or 0, 2)}


def reviews_for_customer(*, business, customer) -> QuerySet[Review]:
    return Review.objects.filter(business=business, customer=customer)

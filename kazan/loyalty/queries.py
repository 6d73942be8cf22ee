"""Loyalty reads (reviews, vouchers), always scoped to one business.

The `*_exists` helpers return correlated EXISTS expressions on an outer Customer query, so the
customer list can filter by reviews and vouchers in its one SQL query (no N+1, no duplicates
from joins)."""

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.db.models import (
    Avg,
    Count,
    Exists,
    FloatField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from kazan.loyalty.models import Review, Voucher

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

VOUCHER_STATES = ("open", "redeemed", "none")


def review_stats(*, business, since: dt.datetime | None = None) -> dict:
    """Number of in-chat reviews and their average rating (0 when none), optionally since a time."""
    reviews = Review.objects.filter(business=business)
    if since is not None:
        reviews = reviews.filter(created_at__gte=since)
    stats = reviews.aggregate(count=Count("id"), avg=Avg("rating"))
    return {"count": stats["count"], "average": round(stats["avg"] or 0, 2)}


def reviews_for_customer(*, business, customer) -> QuerySet[Review]:
    return Review.objects.filter(business=business, customer=customer)


def vouchers_for_customer(*, business, customer) -> QuerySet[Voucher]:
    return Voucher.objects.filter(business=business, customer=customer).select_related(
        "redeemed_by"
    )


def voucher_state(voucher: Voucher, now: dt.datetime | None = None) -> str:
    """valid | redeemed | expired — the same words voucher_check uses."""
    if voucher.redeemed_at:
        return "redeemed"
    if voucher.expires_at <= (now or timezone.now()):
        return "expired"
    return "valid"


def review_exists(*, business, min_rating: int | None = None, customer_ref: str = "pk") -> Exists:
    """EXISTS(a review of the outer customer [with at least `min_rating` stars])."""
    reviews = Review.objects.filter(business=business, customer_id=OuterRef(customer_ref))
    if min_rating:
        reviews = reviews.filter(rating__gte=min_rating)
    return Exists(reviews)


def voucher_exists(*, business, state: str, customer_ref: str = "pk") -> Exists:
    """EXISTS(a voucher of the outer customer in `state`): "open" = neither redeemed nor expired,
    "redeemed" = at least one redeemed, anything else = any voucher (negate for "none")."""
    vouchers = Voucher.objects.filter(business=business, customer_id=OuterRef(customer_ref))
    if state == "open":
        vouchers = vouchers.filter(redeemed_at__isnull=True, expires_at__gt=timezone.now())
    elif state == "redeemed":
        vouchers = vouchers.filter(redeemed_at__isnull=False)
    return Exists(vouchers)


def review_average_subquery(*, business, customer_ref: str = "pk") -> Subquery:
    """The outer customer's average rating (NULL without reviews), for list annotations."""
    reviews = (
        Review.objects.filter(business=business, customer_id=OuterRef(customer_ref))
        .order_by()
        .values("customer_id")
        .annotate(average=Avg("rating"))
        .values("average")
    )
    return Subquery(reviews[:1], output_field=FloatField())


def voucher_count_subquery(*, business, customer_ref: str = "pk") -> Coalesce:
    """How many vouchers the outer customer was given (0 without), for list annotations."""
    vouchers = (
        Voucher.objects.filter(business=business, customer_id=OuterRef(customer_ref))
        .order_by()
        .values("customer_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(vouchers[:1], output_field=IntegerField()), Value(0))


RECENT_REDEMPTIONS_MAX = 20


def redemptions_today(*, business, now: dt.datetime | None = None) -> list[Voucher]:
    """The business's redemptions since its local midnight, newest first (at most
    RECENT_REDEMPTIONS_MAX), with who redeemed them and the customer: one query."""
    now = now or timezone.now()
    midnight = timezone.localtime(now, zoneinfo.ZoneInfo(business.timezone)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return list(
        Voucher.objects.filter(business=business, redeemed_at__gte=midnight)
        .select_related("redeemed_by", "customer")
        .order_by("-redeemed_at", "-id")[:RECENT_REDEMPTIONS_MAX]
    )


# --- for campaigns ---


def review_latest_rating_subquery(*, business: "Business", customer_ref: str = "pk") -> Subquery:
    """Expression: the stars of the outer customer's latest review (NULL without reviews)."""
    latest = Review.objects.filter(business=business, customer_id=OuterRef(customer_ref)).order_by(
        "-created_at", "-id"
    )
    return Subquery(latest.values("rating")[:1], output_field=IntegerField())

"""Loyalty reads (reviews, vouchers), always scoped to one business.

The `*_exists` helpers return correlated EXISTS expressions on an outer Customer query, so the
customer list can filter by reviews and vouchers in its one SQL query (no N+1, no duplicates
from joins)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING, TypedDict

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

from kazan.customers.list_extensions import CustomerListFilters
from kazan.loyalty.models import Review, Voucher

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

VOUCHER_STATES = ("open", "redeemed", "none")


class ReviewStats(TypedDict):
    count: int
    average: float


def review_stats(*, business: Business, since: dt.datetime | None = None) -> ReviewStats:
    """Number of in-chat reviews and their average rating (0 when none), optionally since a time."""
    reviews = Review.objects.filter(business=business)
    if since is not None:
        reviews = reviews.filter(created_at__gte=since)
    stats = reviews.aggregate(count=Count("id"), avg=Avg("rating"))
    return {"count": stats["count"], "average": round(stats["avg"] or 0, 2)}


def reviews_for_customer(*, business: Business, customer: Customer) -> QuerySet[Review]:
    return Review.objects.filter(business=business, customer=customer)


def vouchers_for_customer(*, business: Business, customer: Customer) -> QuerySet[Voucher]:
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


def review_exists(
    *, business: Business, min_rating: int | None = None, customer_ref: str = "pk"
) -> Exists:
    """EXISTS(a review of the outer customer [with at least `min_rating` stars])."""
    reviews = Review.objects.filter(business=business, customer_id=OuterRef(customer_ref))
    if min_rating:
        reviews = reviews.filter(rating__gte=min_rating)
    return Exists(reviews)


def voucher_exists(*, business: Business, state: str, customer_ref: str = "pk") -> Exists:
    """EXISTS(a voucher of the outer customer in `state`): "open" = neither redeemed nor expired,
    "redeemed" = at least one redeemed, anything else = any voucher (negate for "none")."""
    vouchers = Voucher.objects.filter(business=business, customer_id=OuterRef(customer_ref))
    if state == "open":
        vouchers = vouchers.filter(redeemed_at__isnull=True, expires_at__gt=timezone.now())
    elif state == "redeemed":
        vouchers = vouchers.filter(redeemed_at__isnull=False)
    return Exists(vouchers)


def review_average_subquery(*, business: Business, customer_ref: str = "pk") -> Subquery:
    """The outer customer's average rating (NULL without reviews), for list annotations."""
    reviews = (
        Review.objects.filter(business=business, customer_id=OuterRef(customer_ref))
        .order_by()
        .values("customer_id")
        .annotate(average=Avg("rating"))
        .values("average")
    )
    return Subquery(reviews[:1], output_field=FloatField())


def voucher_count_subquery(*, business: Business, customer_ref: str = "pk") -> Coalesce:
    """How many vouchers the outer customer was given (0 without), for list annotations."""
    vouchers = (
        Voucher.objects.filter(business=business, customer_id=OuterRef(customer_ref))
        .order_by()
        .values("customer_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(vouchers[:1], output_field=IntegerField()), Value(0))


def customer_list_extend(
    business: Business, customers: QuerySet[Customer], filters: CustomerListFilters
) -> QuerySet[Customer]:
    """The customer list's loyalty columns (`rating_average`, `vouchers_total`) and its review
    and voucher filters (see customers.list_extensions)."""
    customers = customers.annotate(
        rating_average=review_average_subquery(business=business),
        vouchers_total=voucher_count_subquery(business=business),
    )
    if filters.min_rating:
        customers = customers.filter(
            review_exists(business=business, min_rating=filters.min_rating)
        )
    if filters.reviewed is not None:
        has_review = review_exists(business=business)
        customers = customers.filter(has_review if filters.reviewed else ~has_review)
    if filters.voucher in ("open", "redeemed"):
        customers = customers.filter(voucher_exists(business=business, state=filters.voucher))
    elif filters.voucher == "none":
        customers = customers.filter(~voucher_exists(business=business, state="any"))
    return customers


RECENT_REDEMPTIONS_MAX = 20


def redemptions_today(*, business: Business, now: dt.datetime | None = None) -> list[Voucher]:
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


# --- for analytics (exports: campaigns/exports.py) ---


def review_count_subquery(*, business: Business, customer_ref: str = "pk") -> Coalesce:
    """How many in-chat reviews the outer customer wrote (0 without), for list annotations."""
    reviews = (
        Review.objects.filter(business=business, customer_id=OuterRef(customer_ref))
        .order_by()
        .values("customer_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(reviews[:1], output_field=IntegerField()), Value(0))


def voucher_redeemed_count_subquery(*, business: Business, customer_ref: str = "pk") -> Coalesce:
    """How many of the outer customer's vouchers were redeemed (0 without)."""
    vouchers = (
        Voucher.objects.filter(
            business=business, customer_id=OuterRef(customer_ref), redeemed_at__isnull=False
        )
        .order_by()
        .values("customer_id")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(vouchers[:1], output_field=IntegerField()), Value(0))


# --- for campaigns ---


def review_latest_rating_subquery(*, business: Business, customer_ref: str = "pk") -> Subquery:
    """Expression: the stars of the outer customer's latest review (NULL without reviews)."""
    latest = Review.objects.filter(business=business, customer_id=OuterRef(customer_ref)).order_by(
        "-created_at", "-id"
    )
    return Subquery(latest.values("rating")[:1], output_field=IntegerField())

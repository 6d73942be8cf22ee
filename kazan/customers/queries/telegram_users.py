"""Reads of the Telegram CRM's people (seed 004): a "user" is a customer the business knows on
Telegram (a telegram channel identity), a "customer" is one of the profiles a user registered.
Lists are one query (counts and dates are subqueries the database evaluates); figures are a
fixed number of grouped queries."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate

from kazan.customers.models import ChannelIdentity, Customer, CustomerProfile

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

TELEGRAM = ChannelIdentity.Channel.TELEGRAM


def _telegram_identities(business: Business) -> QuerySet[ChannelIdentity]:
    return ChannelIdentity.objects.filter(
        business=business, channel=TELEGRAM, customer__isnull=False
    )


def telegram_users(*, business: Business) -> QuerySet[Customer]:
    """The business's Telegram users (not erased), each annotated with `telegram_name` (what
    Telegram calls them), `telegram_since`, `last_seen` (their latest message or visit),
    `profiles_count`; unordered, for the caller to filter, annotate and sort further."""
    identity = _telegram_identities(business).filter(customer_id=OuterRef("pk")).order_by("id")
    profiles = (
        CustomerProfile.objects.filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    seen = (
        _telegram_identities(business)
        .filter(customer_id=OuterRef("pk"))
        .order_by()
        .values("customer_id")
        .annotate(at=Max("last_seen_at"))
        .values("at")
    )
    return (
        Customer.objects.filter(business=business, erased_at__isnull=True)
        .filter(Exists(identity))
        .annotate(
            telegram_name=Subquery(identity.values("display_name")[:1]),
            telegram_since=Subquery(identity.values("created_at")[:1]),
            seen_on_telegram=Subquery(seen),
            profiles_count=Coalesce(Subquery(profiles, output_field=IntegerField()), 0),
        )
        .annotate(
            last_seen=Greatest(
                Coalesce("seen_on_telegram", "last_interaction_at"),
                Coalesce("last_interaction_at", "seen_on_telegram"),
            )
        )
    )


def telegram_user_search(users: QuerySet[Customer], search: str) -> QuerySet[Customer]:
    """Users whose name, Telegram name or one of whose profiles' names contains `search`."""
    search = search.strip()
    if not search:
        return users
    named = CustomerProfile.objects.filter(customer_id=OuterRef("pk")).filter(
        Q(first_name__icontains=search)
        | Q(last_name__icontains=search)
        | Q(telegram_username__icontains=search.lstrip("@"))
    )
    return users.filter(
        Q(name__icontains=search) | Q(telegram_name__icontains=search) | Exists(named)
    )


def telegram_user_figures(*, business: Business) -> dict[str, int]:
    """Users and profiles, all time: two queries."""
    users = (
        _telegram_identities(business)
        .filter(customer__erased_at__isnull=True)
        .aggregate(n=Count("customer_id", distinct=True))["n"]
    )
    profiles = CustomerProfile.objects.filter(
        business=business, customer__erased_at__isnull=True
    ).count()
    return {"users": users, "profiles": profiles}


def telegram_growth_daily(
    *, business: Business, since: dt.datetime
) -> dict[str, dict[dt.date, int]]:
    """New Telegram users (by their identity's first contact) and new profiles per day of the
    business's time zone since `since`: two grouped queries."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    users = {
        row["day"]: row["n"]
        for row in _telegram_identities(business)
        .filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("customer_id", distinct=True))
        .order_by("day")
    }
    profiles = {
        row["day"]: row["n"]
        for row in CustomerProfile.objects.filter(business=business, created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    }
    return {"users": users, "profiles": profiles}


def profiles_of_business(*, business: Business, search: str = "") -> QuerySet[CustomerProfile]:
    """Every profile of the business's customers (not erased), newest first, its customer
    joined; `search` finds first, last or Telegram user names."""
    profiles = CustomerProfile.objects.filter(
        business=business, customer__erased_at__isnull=True
    ).select_related("customer")
    search = search.strip()
    if search:
        profiles = profiles.filter(
            Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(telegram_username__icontains=search.lstrip("@"))
        )
    return profiles.order_by("-created_at", "-id")

"""Reads of the console: the overview, the business list and page, the activity log, alerts.

The console is the one place that reads across businesses, on purpose; every caller is a
staff_required view. Heavy analytics (a year of daily counters, four weeks of scan times, every
customer) are computed into one cached snapshot that the scheduler refreshes every ten minutes
(`overview_stats`), so the overview page itself costs a fixed handful of small queries.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from kazan.activity.queries import activity_list
from kazan.analytics import platform
from kazan.analytics.enums import WIDGET_EVENT_KINDS, EventKind
from kazan.analytics.queries import same_days_last_month
from kazan.console.models import Alert, ConsoleSettings
from kazan.core.errors import NotFound
from kazan.customers.queries import (
    unscoped_customer_counts_by_business,
    unscoped_customers_platform_stats,
)
from kazan.messaging.queries import sms_balances
from kazan.tenancy.models import RESERVED_SLUGS, Business, Role
from kazan.tenancy.queries import invitations_pending, team_members, unscoped_businesses

if TYPE_CHECKING:
    from kazan.activity.models import Activity

STATS_CACHE_KEY = "console:overview-stats:v2"  # v2: the widget figures
STATS_TTL_SECONDS = 30 * 60  # the scheduler refreshes it every 10 minutes
TOP_SIZE = 10
USAGE_WINDOW = dt.timedelta(days=28)  # four whole weeks: every weekday counted equally
PAGE_SIZE = 50
BUSINESS_STATUS_LABELS = dict(Business.Status.choices)


class MonthlyJson(TypedDict):
    months: list[str]  # ISO dates, the 1st of each month
    series: dict[str, list[int]]


class OverviewStats(TypedDict):
    """The overview's cached snapshot: plain JSON data."""

    computed_at: str
    interactions_month: dict[str, int]
    interactions_previous: dict[str, int]
    interactions_month_total: int
    interactions_previous_total: int
    interactions_year_total: int
    widget_month: dict[str, int]
    widget_previous: dict[str, int]
    monthly: MonthlyJson
    top_interactions: list[dict[str, object]]
    top_reviews: list[dict[str, object]]
    top_redeemed: list[dict[str, object]]
    inactive_days: int
    inactive_count: int
    customers_total: int
    customers_returning: int
    interactions_per_customer: float
    usage_grid: list[list[int]]
    usage_by_weekday: list[int]
    usage_by_hour: list[int]


class InactiveBusiness(TypedDict):
    days: int
    last_scan: str | None  # ISO date of the last scan, None if never


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def inactive_after_days() -> int:
    """The staff's setting: days without a QR scan after which a business counts as inactive."""
    stored = ConsoleSettings.objects.values_list("inactive_after_days", flat=True).first()
    return stored or ConsoleSettings._meta.get_field("inactive_after_days").default


def businesses_inactive(
    *, days: int, now: dt.datetime | None = None
) -> dict[int, InactiveBusiness]:
    """Active businesses older than `days` without a QR scan on any of the last `days` days:
    business id → {"days", "last_scan"} (ISO date or None). Two queries."""
    now = now or timezone.now()
    cutoff = (now - dt.timedelta(days=days)).date()
    candidates = list(
        unscoped_businesses()
        .filter(status=Business.Status.ACTIVE, created_at__lt=now - dt.timedelta(days=days))
        .values_list("pk", flat=True)
    )
    last = platform.unscoped_last_scan_days(business_ids=candidates)
    return {
        business_id: {
            "days": days,
            "last_scan": last[business_id].isoformat() if business_id in last else None,
        }
        for business_id in candidates
        if business_id not in last or last[business_id] <= cutoff
    }


def _top(
    rows: dict[int, dict[str, int]], key: str, names: Mapping[int, Mapping[str, object]]
) -> list[dict[str, object]]:
    ranked = sorted(
        ((business_id, counts[key]) for business_id, counts in rows.items() if counts[key]),
        key=lambda item: (-item[1], item[0]),
    )[:TOP_SIZE]
    return [{**names[business_id], "count": count} for business_id, count in ranked]


def overview_stats_compute(*, now: dt.datetime | None = None) -> OverviewStats:
    """The heavy part of the overview, as plain data (it goes into the cache)."""
    now = now or timezone.now()
    today = _today(now)
    month_start = today.replace(day=1)
    # The previous month over the same number of days, so a comparison on the 5th is fair.
    previous_start, previous_end = same_days_last_month(today)
    this_month = platform.unscoped_interactions_between(start=month_start, end=today)
    previous_month = platform.unscoped_interactions_between(start=previous_start, end=previous_end)
    monthly = platform.unscoped_interactions_monthly(today=today, months=12)
    widget_month = platform.unscoped_counts_between(
        start=month_start, end=today, kinds=WIDGET_EVENT_KINDS
    )
    widget_previous = platform.unscoped_counts_between(
        start=previous_start, end=previous_end, kinds=WIDGET_EVENT_KINDS
    )
    last_30 = platform.unscoped_counts_by_business(start=today - dt.timedelta(days=29), end=today)
    top_ids: set[int] = set()
    for key in ("interactions", "review_submitted", "voucher_redeemed"):
        ranked = sorted((-counts[key], business_id) for business_id, counts in last_30.items())
        top_ids.update(business_id for _count, business_id in ranked[:TOP_SIZE])
    names = {
        row["pk"]: row
        for row in unscoped_businesses()
        .filter(pk__in=top_ids)
        .values("pk", "name", "slug", "status")
    }
    inactive_days = (
        ConsoleSettings.objects.values_list("inactive_after_days", flat=True).first() or 14
    )
    customers = unscoped_customers_platform_stats()
    year_interactions = sum(sum(values) for values in monthly["series"].values())
    timezones: dict[str, list[int]] = {}
    for business_id, name in unscoped_businesses().values_list("pk", "timezone"):
        timezones.setdefault(name, []).append(business_id)
    grid = platform.unscoped_usage_by_weekday_hour(since=now - USAGE_WINDOW, timezones=timezones)
    return {
        "computed_at": now.isoformat(),
        "interactions_month": this_month,
        "interactions_previous": previous_month,
        "interactions_month_total": sum(this_month.values()),
        "interactions_previous_total": sum(previous_month.values()),
        "interactions_year_total": year_interactions,
        "widget_month": widget_month,
        "widget_previous": widget_previous,
        "monthly": {
            "months": [month.isoformat() for month in monthly["months"]],
            "series": monthly["series"],
        },
        "top_interactions": _top(last_30, "interactions", names),
        "top_reviews": _top(last_30, "review_submitted", names),
        "top_redeemed": _top(last_30, "voucher_redeemed", names),
        "inactive_days": inactive_days,
        "inactive_count": len(businesses_inactive(days=inactive_days, now=now)),
        "customers_total": customers["total"],
        "customers_returning": customers["returning"],
        "interactions_per_customer": (
            round(year_interactions / customers["total"], 2) if customers["total"] else 0
        ),
        "usage_grid": grid,
        "usage_by_weekday": [sum(row) for row in grid],
        "usage_by_hour": [sum(grid[day][hour] for day in range(7)) for hour in range(24)],
    }


def overview_stats(*, refresh: bool = False) -> OverviewStats:
    """The cached snapshot; computed now when missing (first start, or after a refresh)."""
    stats = None if refresh else cache.get(STATS_CACHE_KEY)
    if stats is None:
        stats = overview_stats_compute()
        cache.set(STATS_CACHE_KEY, stats, STATS_TTL_SECONDS)
    return stats


def business_counts() -> dict[str, int]:
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return unscoped_businesses().aggregate(
        total=Count("id"),
        active=Count("id", filter=Q(status=Business.Status.ACTIVE)),
        suspended=Count("id", filter=Q(status=Business.Status.SUSPENDED)),
        new_this_month=Count("id", filter=Q(created_at__gte=month_start)),
    )


def alerts_open() -> QuerySet[Alert]:
    return Alert.objects.filter(resolved_at__isnull=True).select_related("business")


def alerts_open_count() -> int:
    return Alert.objects.filter(resolved_at__isnull=True).count()


def alert_list(*, state: str = "open", kind: str = "") -> QuerySet[Alert]:
    alerts = Alert.objects.select_related("business", "resolved_by")
    if state == "open":
        alerts = alerts.filter(resolved_at__isnull=True)
    elif state == "resolved":
        alerts = alerts.filter(resolved_at__isnull=False)
    if kind in Alert.Kind.values:
        alerts = alerts.filter(kind=kind)
    return alerts


def alert_get(*, alert_id: int) -> Alert:
    alert = Alert.objects.select_related("business").filter(pk=alert_id).first()
    if alert is None:
        raise NotFound()
    return alert


# --- businesses --------------------------------------------------------------------------------


@dataclass(frozen=True)
class BusinessRow:
    business: Business
    customers: int
    scans_30_days: int
    interactions_30_days: int
    sms_remaining: int


def business_search(
    *, search: str = "", status: str = "", inactive_days: int = 14
) -> QuerySet[Business]:
    """Businesses by name or address (slug) text, and status: active, suspended or inactive
    (active, but no QR scan for `inactive_days`). Name order."""
    businesses = (
        unscoped_businesses().select_related("sms_subscription__package").order_by("name", "pk")
    )
    search = (search or "").strip()
    if search:
        businesses = businesses.filter(Q(name__icontains=search) | Q(slug__icontains=search))
    if status in Business.Status.values:
        businesses = businesses.filter(status=status)
    elif status == "inactive":
        businesses = businesses.filter(pk__in=list(businesses_inactive(days=inactive_days)))
    return businesses


def business_rows(
    businesses: list[Business], *, now: dt.datetime | None = None
) -> list[BusinessRow]:
    """The list page's numbers for one page of businesses: three grouped queries in all."""
    today = _today(now or timezone.now())
    ids = [business.pk for business in businesses]
    customers = unscoped_customer_counts_by_business(business_ids=ids)
    counts = platform.unscoped_counts_by_business(
        start=today - dt.timedelta(days=29), end=today, business_ids=ids
    )
    balances = sms_balances(business_ids=ids)
    empty = {"qr_scan": 0, "interactions": 0}
    return [
        BusinessRow(
            business=business,
            customers=customers.get(business.pk, 0),
            scans_30_days=counts.get(business.pk, empty)["qr_scan"],
            interactions_30_days=counts.get(business.pk, empty)["interactions"],
            sms_remaining=balances.get(business.pk, 0),
        )
        for business in businesses
    ]


def business_find(value: str) -> Business | None:
    """A business named by staff in a filter or a link: by its id or its address (slug)."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return unscoped_businesses().filter(pk=int(value)).first() if len(value) < 19 else None
    return unscoped_businesses().filter(slug=value.lower()).first()


BUSINESS_OPTIONS_MAX = 20


def business_options(search: str) -> list[tuple[str, str]]:
    """(slug, name) of the first businesses whose name or address contains `search`, by name:
    the suggestions of the console's business pickers (1,000s of businesses: never all)."""
    search = (search or "").strip()
    if not search:
        return []
    found = business_search(search=search).select_related(None)
    return list(found.values_list("slug", "name")[:BUSINESS_OPTIONS_MAX])


def business_pick(value: str) -> tuple[Business | None, int]:
    """The business staff meant by what they typed or picked: its id or address (slug), else
    its name (any case), else the one business whose name or address contains the text.
    Returns (business, 0) or (None, how many businesses match: 0 or several)."""
    business = business_find(value)
    if business is not None:
        return business, 0
    value = (value or "").strip()
    if not value:
        return None, 0
    named = list(unscoped_businesses().filter(name__iexact=value)[:2])
    if len(named) == 1:
        return named[0], 0
    candidates = list(business_search(search=value).select_related(None)[:2])
    if len(candidates) == 1:
        return candidates[0], 0
    if len(named) > 1:
        return None, unscoped_businesses().filter(name__iexact=value).count()
    return None, business_search(search=value).count()


def business_slug_free(name: str) -> str:
    """An address for a new business made from its name ("Café Lumière" → "cafe-lumiere"), with
    "-2", "-3"… when taken or reserved. Two queries at most; a business created in between
    still makes business_create answer "taken" (409)."""
    base = slugify(name)[:44].strip("-")
    if len(base) < 3:
        base = f"{base or 'business'}-{secrets.token_hex(2)}"
    candidates = [base, *(f"{base}-{n}" for n in range(2, 21))]
    taken = set(unscoped_businesses().filter(slug__in=candidates).values_list("slug", flat=True))
    for slug in candidates:
        if slug not in taken and slug not in RESERVED_SLUGS:
            return slug
    return f"{base}-{secrets.token_hex(3)}"


def business_slug_taken(slug: str) -> bool:
    return unscoped_businesses().filter(slug=slug).exists()


def business_team_counts(*, business: Business) -> dict[str, int]:
    """Owners who joined and invitations still open: has the client's owner taken it over?"""
    return {
        "owners": team_members(business=business).filter(role=Role.OWNER).count(),
        "invitations_pending": invitations_pending(business=business).count(),
    }


def business_get(*, business_id: int) -> Business:
    business = unscoped_businesses().filter(pk=business_id).first()
    if business is None:
        raise NotFound()
    return business


def business_numbers(*, business: Business) -> dict[str, object]:
    """The figures on a business's console page."""
    from kazan.analytics.queries import counts_between, counts_month_to_date
    from kazan.loyalty.queries import review_stats

    month = counts_month_to_date(business=business, kinds=platform.INTERACTION_KINDS)
    total = counts_between(
        business=business,
        start=dt.date.min,  # all time (history may predate the account, e.g. imported)
        end=dt.date.max,
        kinds=[*platform.INTERACTION_KINDS, EventKind.VOUCHER_ISSUED],
    )
    return {
        "customers": unscoped_customer_counts_by_business(business_ids=[business.pk]).get(
            business.pk, 0
        ),
        "month": month,
        "total": total,
        "reviews": review_stats(business=business),
    }


def business_widget_numbers(*, business: Business) -> tuple[dict[str, int], dict[str, int]]:
    """The business's website widget figures: this month, and in total."""
    from kazan.analytics.queries import counts_between, counts_month_to_date

    return (
        counts_month_to_date(business=business, kinds=WIDGET_EVENT_KINDS),
        counts_between(
            business=business, start=dt.date.min, end=dt.date.max, kinds=WIDGET_EVENT_KINDS
        ),
    )


# --- activity log ------------------------------------------------------------------------------


def activity_page(
    *,
    business: Business | None = None,
    actor_id: int | None = None,
    actor_kind: str = "",
    action: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    page: int = 1,
) -> tuple[list[Activity], bool]:
    """One page of the platform's activity, newest first, and whether a next page exists.
    No COUNT over the whole log: it grows without bound."""
    entries = activity_list(
        business=business,
        actor_id=actor_id,
        action=action or None,
        since=since,
        until=until,
        all_businesses=business is None,
    )
    if actor_kind:
        entries = entries.filter(actor_kind=actor_kind)
    start = (max(page, 1) - 1) * PAGE_SIZE
    rows = list(entries[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE

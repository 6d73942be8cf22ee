"""Platform-wide analytics reads for the staff console (all businesses at once).

These are the one place where analytics is read across tenants on purpose; only the console
(staff_required) calls them. Like the dashboard's reads they use the daily counters, so their
cost follows the number of businesses and days, not the number of events — except the
weekday/hour usage, which needs event times and reads one kind over a bounded window through
the (kind, occurred_at) index."""

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncHour

from kazan.analytics.models import DailyCount, Event, EventKind
from kazan.analytics.queries import MonthlySeries, monthly_totals

# What "customer interactions" means on the console: a guest scanned, entered their details,
# verified their phone, reviewed, or redeemed a voucher.
INTERACTION_KINDS = (
    EventKind.QR_SCAN,
    EventKind.DATA_ENTERED,
    EventKind.OTP_VERIFIED,
    EventKind.REVIEW_SUBMITTED,
    EventKind.VOUCHER_REDEEMED,
)


def unscoped_counts_between(
    *, start: dt.date, end: dt.date, kinds: Iterable[str]
) -> dict[str, int]:
    """Totals per kind over local days [start, end], all businesses; every kind present."""
    kinds = [str(kind) for kind in kinds]
    rows = (
        DailyCount.objects.filter(kind__in=kinds, day__gte=start, day__lte=end)
        .values("kind")
        .annotate(total=Sum("count"))
        .order_by()
    )
    totals = dict.fromkeys(kinds, 0)
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals


def unscoped_interactions_between(*, start: dt.date, end: dt.date) -> dict[str, int]:
    """Totals per interaction kind over local days [start, end], all businesses."""
    return unscoped_counts_between(start=start, end=end, kinds=INTERACTION_KINDS)


def unscoped_interactions_monthly(*, today: dt.date, months: int = 12) -> MonthlySeries:
    """{"months": [1st of month, …], "series": {kind: [total per month]}} ending this month."""
    return monthly_totals(
        DailyCount.objects.all(), today=today, months=months, kinds=INTERACTION_KINDS
    )


def unscoped_counts_by_business(
    *, start: dt.date, end: dt.date, business_ids: list[int] | None = None
) -> dict[int, dict[str, int]]:
    """Per business: interactions (all interaction kinds), qr_scan, review_submitted and
    voucher_redeemed over [start, end]. One grouped query."""
    counters = DailyCount.objects.filter(kind__in=INTERACTION_KINDS, day__gte=start, day__lte=end)
    if business_ids is not None:
        counters = counters.filter(business_id__in=business_ids)
    rows = (
        counters.values("business_id")
        .annotate(
            interactions=Sum("count"),
            qr_scan=Sum("count", filter=Q(kind=EventKind.QR_SCAN)),
            review_submitted=Sum("count", filter=Q(kind=EventKind.REVIEW_SUBMITTED)),
            voucher_redeemed=Sum("count", filter=Q(kind=EventKind.VOUCHER_REDEEMED)),
        )
        .order_by()
    )
    return {
        row["business_id"]: {
            "interactions": row["interactions"] or 0,
            "qr_scan": row["qr_scan"] or 0,
            "review_submitted": row["review_submitted"] or 0,
            "voucher_redeemed": row["voucher_redeemed"] or 0,
        }
        for row in rows
    }


def unscoped_last_scan_days(*, business_ids: list[int]) -> dict[int, dt.date]:
    """The last local day with a QR scan, per business (businesses never scanned are absent)."""
    rows = (
        DailyCount.objects.filter(kind=EventKind.QR_SCAN, business_id__in=business_ids, count__gt=0)
        .values("business_id")
        .annotate(last=Max("day"))
        .order_by()
    )
    return {row["business_id"]: row["last"] for row in rows}


def unscoped_usage_by_weekday_hour(
    *, since: dt.datetime, timezones: dict[str, list[int]]
) -> list[list[int]]:
    """QR scans since `since` as a 7×24 grid (Monday first), at the local weekday and hour of
    their business. `timezones` maps a time zone to its businesses' ids. One query per time
    zone (usually one): scans are counted per UTC hour in the database — an index-only scan, no
    per-row time-zone conversion — and each hour is placed in the grid here. In zones whose
    offset is not whole hours a scan may land in the neighbouring local hour."""
    grid = [[0] * 24 for _ in range(7)]
    for name, business_ids in timezones.items():
        tz = zoneinfo.ZoneInfo(name)
        rows = (
            Event.objects.filter(
                kind=EventKind.QR_SCAN, occurred_at__gte=since, business_id__in=business_ids
            )
            .annotate(hour=TruncHour("occurred_at", tzinfo=dt.UTC))
            .values("hour")
            .annotate(total=Count("id"))
            .order_by()
        )
        for row in rows:
            local = row["hour"].astimezone(tz)
            grid[local.isoweekday() - 1][local.hour] += row["total"]
    return grid

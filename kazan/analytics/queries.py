"""Analytics reads for the dashboard, always scoped to one business.

Counts come from DailyCount (one row per business, kind and local day), so a chart is one
indexed query whatever the number of events. Days are the business's local days: DailyCount is
written in its time zone, and "today" and "this month" here are taken in the same zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from kazan.analytics.models import DailyCount, Event, EventKind, ExportJob, ExportOrigin
from kazan.core.entitlements import analytics_since
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

SOCIAL_NETWORKS = ("website", "instagram", "facebook", "tiktok")


class DailySeries(TypedDict):
    days: list[dt.date]
    series: dict[str, list[int]]


class MonthlySeries(TypedDict):
    months: list[dt.date]
    series: dict[str, list[int]]


def business_today(*, business: Business) -> dt.date:
    return timezone.localtime(timezone=zoneinfo.ZoneInfo(business.timezone)).date()


@dataclass(frozen=True)
class History:
    """How far back the business's plan shows analytics (decision 0033: "analytics depth").
    `since` None: all of it."""

    since: dt.datetime | None = None
    first_day: dt.date | None = None  # the oldest local day shown
    days: int | None = None

    def clamp(self, day: dt.date) -> dt.date:
        """`day`, or the oldest day shown when `day` is older."""
        return day if self.first_day is None else max(day, self.first_day)

    def shows(self, day: dt.date) -> bool:
        return self.first_day is None or day >= self.first_day


def analytics_history(*, business: Business) -> History:
    """The business's plan's analytics window, for the dashboard's charts and reports (the
    console's staff see everything: they do not ask)."""
    since = analytics_since(business=business)
    if since is None:
        return History()
    zone = zoneinfo.ZoneInfo(business.timezone)
    return History(
        since=since,
        first_day=timezone.localtime(since, zone).date(),
        days=max(0, round((timezone.now() - since) / dt.timedelta(days=1))),
    )


def month_add(day: dt.date, months: int) -> dt.date:
    """The 1st of the month `months` after (or before, if negative) day's month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def same_days_last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    """Days 1..N of the previous month, N being today's day clipped to that month's length: what
    "this month so far" is fairly compared with (on 31 March: 1–28 February; on the 1st: the
    1st)."""
    start = month_add(today, -1)
    this_month = today.replace(day=1)
    return start, min(start + (today - this_month), this_month - dt.timedelta(days=1))


def _kinds(kinds: Iterable[str] | None) -> list[str]:
    return list(kinds) if kinds is not None else list(EventKind.values)


def counts_between(
    *, business: Business, start: dt.date, end: dt.date, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Totals per kind over local days [start, end]; every asked kind present (0 if none)."""
    kinds = _kinds(kinds)
    rows = (
        DailyCount.objects.filter(business=business, kind__in=kinds, day__gte=start, day__lte=end)
        .values("kind")
        .annotate(total=Sum("count"))
        .order_by()
    )
    totals = dict.fromkeys(kinds, 0)
    totals.update({row["kind"]: row["total"] for row in rows})
    return totals


def counts_month_to_date(
    *, business: Business, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """Totals per kind from the 1st of this local month to today."""
    today = business_today(business=business)
    return counts_between(business=business, start=today.replace(day=1), end=today, kinds=kinds)


def series_daily(
    *, business: Business, days: int = 30, kinds: Iterable[str] | None = None
) -> DailySeries:
    """{"days": [date, …] (oldest first, ending today), "series": {kind: [count per day]}}; days
    without a row count 0. One query."""
    today = business_today(business=business)
    return series_between(
        business=business, start=today - dt.timedelta(days=days - 1), end=today, kinds=kinds
    )


# The longest range a per-day series covers (a year and a bit: a chart, not an export).
SERIES_DAYS_MAX = 400


def series_between(
    *, business: Business, start: dt.date, end: dt.date, kinds: Iterable[str] | None = None
) -> DailySeries:
    """Like series_daily over the local days [start, end] (at most SERIES_DAYS_MAX days: the
    caller bounds it; an empty list when end is before start). One query."""
    kinds = _kinds(kinds)
    count = max(0, min((end - start).days + 1, SERIES_DAYS_MAX))
    day_list = [start + dt.timedelta(days=n) for n in range(count)]
    position = {day: n for n, day in enumerate(day_list)}
    series = {kind: [0] * count for kind in kinds}
    if not count:
        return {"days": day_list, "series": series}
    rows = DailyCount.objects.filter(
        business=business, kind__in=kinds, day__gte=start, day__lte=day_list[-1]
    ).values_list("kind", "day", "count")
    for kind, day, number in rows:
        series[kind][position[day]] += number
    return {"days": day_list, "series": series}


def series_monthly(
    *,
    business: Business,
    months: int = 12,
    kinds: Iterable[str] | None = None,
    since: dt.date | None = None,
) -> MonthlySeries:
    """{"months": [1st of month, …] (oldest first, ending this month), "series": {kind: [count
    per month]}}; months without data count 0. From the local day `since` on, if given (fewer
    months; the first counts from that day). One grouped query."""
    today = business_today(business=business)
    counters = DailyCount.objects.filter(business=business)
    if since is not None:
        counters = counters.filter(day__gte=since)
        oldest = since.year * 12 + since.month
        months = max(1, min(months, today.year * 12 + today.month - oldest + 1))
    return monthly_totals(counters, today=today, months=months, kinds=_kinds(kinds))


def monthly_totals(
    counters: QuerySet[DailyCount], *, today: dt.date, months: int, kinds: Iterable[str]
) -> MonthlySeries:
    """The month-by-month sums behind series_monthly, over counters the caller has scoped (one
    business here; every business for the platform console). One grouped query."""
    first = month_add(today, -(months - 1))
    month_list = [month_add(first, n) for n in range(months)]
    position = {month: n for n, month in enumerate(month_list)}
    series = {str(kind): [0] * months for kind in kinds}
    rows = (
        counters.filter(kind__in=kinds, day__gte=first, day__lte=today)
        .annotate(month=TruncMonth("day"))
        .values("kind", "month")
        .annotate(total=Sum("count"))
        .order_by()
    )
    for row in rows:
        month = row["month"]
        if isinstance(month, dt.datetime):  # some backends return a datetime
            month = month.date()
        series[row["kind"]][position[month.replace(day=1)]] += row["total"]
    return {"months": month_list, "series": series}


def social_clicks_by_network(
    *, business: Business, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> dict[str, int]:
    """Clicks on the landing page's social buttons per network (Event data {"network": …});
    the known networks always appear, others (if recorded) after them. One grouped query."""
    events = Event.objects.filter(business=business, kind=EventKind.SOCIAL_CLICK)
    if since is not None:
        events = events.filter(occurred_at__gte=since)
    if until is not None:
        events = events.filter(occurred_at__lt=until)
    rows = events.values("data__network").annotate(total=Count("id")).order_by()
    clicks = dict.fromkeys(SOCIAL_NETWORKS, 0)
    for row in rows:
        network = row["data__network"]
        name = str(network)[:32] if network else "other"
        clicks[name] = clicks.get(name, 0) + row["total"]
    return clicks


def customer_event_count(*, business: Business, customer: Customer, kind: str) -> int:
    return Event.objects.filter(business=business, customer=customer, kind=kind).count()


def events_for_customer(*, business: Business, customer: Customer) -> QuerySet[Event]:
    return Event.objects.filter(business=business, customer=customer).order_by("occurred_at")


# --- exports (platform console: staff only, across businesses) ------------------------------


def unscoped_export_jobs() -> QuerySet[ExportJob]:
    """Every export job, newest first, with its business and requester. Platform-wide by
    purpose: only the console's staff views call it."""
    return ExportJob.objects.select_related("business", "requested_by").order_by(
        "-created_at", "-id"
    )


def unscoped_export_job_get(*, export_id: object) -> ExportJob:
    """The export job with this id, or NotFound (also for a malformed id)."""
    try:
        pk = int(str(export_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    job = unscoped_export_jobs().filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


def team_export_jobs(*, business: Business, actor: User, is_owner: bool) -> QuerySet[ExportJob]:
    """A business team's own exports of `business`, newest first: an owner sees every member's,
    anyone else only their own. Console exports of the business are never listed here."""
    jobs = ExportJob.objects.filter(business=business, origin=ExportOrigin.DASHBOARD)
    if not is_owner:
        jobs = jobs.filter(requested_by=actor)
    return jobs.select_related("business", "requested_by").order_by("-created_at", "-id")


def team_export_get(
    *, business: Business, actor: User, is_owner: bool, export_id: object
) -> ExportJob:
    """One of team_export_jobs, or NotFound — the same for another business's id, a console
    export, a colleague's (unless owner) and a malformed id, so nothing can be probed."""
    try:
        pk = int(str(export_id))
    except (TypeError, ValueError):
        raise NotFound() from None
    job = team_export_jobs(business=business, actor=actor, is_owner=is_owner).filter(pk=pk).first()
    if job is None:
        raise NotFound()
    return job


# --- platform console: figures of every business in one query -----------------------------------


def unscoped_scan_count_subquery(*, since: dt.date, business_ref: str = "pk") -> Coalesce:
    """QR scans of the outer business on the local days since `since` (0 without): one
    correlated subquery for the console's platform-wide lists (map, businesses report)."""
    return unscoped_count_subquery(kind=EventKind.QR_SCAN, since=since, business_ref=business_ref)


def unscoped_count_subquery(*, kind: str, since: dt.date, business_ref: str = "pk") -> Coalesce:
    """Events of `kind` of the outer business on the local days since `since` (0 without)."""
    scans = (
        DailyCount.objects.filter(business=OuterRef(business_ref), kind=kind, day__gte=since)
        .order_by()
        .values("business")
        .annotate(n=Sum("count"))
        .values("n")[:1]
    )
    return Coalesce(Subquery(scans, output_field=IntegerField()), Value(0))

"""The console's financial overview: revenue by month and year, MRR, and the payments lost
(failed, overdue, cancelled) or defaulting."""

from collections import defaultdict
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypedDict

from django.conf import settings
from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth, TruncYear

from kazan.billing.models import Interval, Payment, PlanSubscription
from kazan.billing.models import SubscriptionStatus as PlanStatus
from kazan.billing.queries.plan_pages import NEVER_PAID
from kazan.billing.revenue.values import (
    DEFAULT_LOOKBACK_DAYS,
    OVERDUE_GATEWAYS,
    Comparison,
    CurrencyRevenue,
    LossBucket,
    Money,
    MonthLosses,
    MonthRevenue,
    PlanCount,
    RevenueOverview,
    Status,
    YearRevenue,
    _as_month,
    _month_start,
    _months_add,
    _now,
    _year_earlier,
    _year_of,
)
from kazan.tenancy.queries import unscoped_businesses_active


class MonthRow(TypedDict):
    """Paid payments of one UTC month and currency; `early`: the part paid before this moment
    one year ago."""

    month: datetime
    currency: str
    amount: int
    payments: int
    early: int


class MrrRow(TypedDict):
    currency: str
    mrr: int  # minor units
    businesses: int


def revenue_overview(*, now: datetime | None = None) -> RevenueOverview:
    """Everything the console's financial overview shows, in seven queries whatever the number
    of businesses and payments (all aggregation happens in the database)."""
    now = _now(now)
    platform = settings.PLATFORM_CURRENCY
    this_month = _month_start(now)
    next_month = _months_add(this_month, 1)
    previous_month = _months_add(this_month, -1)
    year_ago = _year_earlier(now)
    window_start = this_month.replace(year=this_month.year - 1, month=1)  # 1 Jan last year

    # 1. Paid payments by UTC month and currency since 1 January of last year; "early" is the
    # part paid before this moment one year ago (for last year's year-to-date).
    monthly = (
        Payment.objects.filter(
            status=Status.PAID, paid_at__gte=window_start, paid_at__lt=next_month
        )
        .annotate(month=TruncMonth("paid_at", tzinfo=UTC))
        .values("month", "currency")
        .annotate(
            amount=Sum("amount_minor"),
            payments=Count("id"),
            early=Sum("amount_minor", filter=Q(paid_at__lt=year_ago), default=0),
        )
        .order_by()
    )
    by_month: dict[str, dict[date, MonthRow]] = defaultdict(dict)
    for row in monthly:
        by_month[row["currency"]][_as_month(row["month"])] = row

    # 2. Paid payments by UTC calendar year and currency, all time.
    yearly = (
        Payment.objects.filter(status=Status.PAID, paid_at__isnull=False)
        .annotate(year=TruncYear("paid_at", tzinfo=UTC))
        .values("year", "currency")
        .annotate(amount=Sum("amount_minor"), payments=Count("id"))
        .order_by()
    )
    by_year: dict[str, list[YearRevenue]] = defaultdict(list)
    for year_row in yearly:
        by_year[year_row["currency"]].append(
            YearRevenue(
                _year_of(year_row["year"]),
                year_row["currency"],
                year_row["amount"],
                year_row["payments"],
            )
        )

    # 3. MRR by the subscription's currency.
    mrr = {row["currency"]: row for row in mrr_by_currency(now=now)}

    # 4. Plan subscriptions by plan and status.
    plans = tuple(subscriptions_by_plan(now=now))

    # 5. Active businesses.
    active = unscoped_businesses_active().count()

    # 6. Losses among the payments created this month and last month.
    losses = _losses(since=previous_month, until=next_month, now=now)

    # 7. The payments defaulting now.
    defaulted = payments_defaulted(now=now).count()

    months = [_months_add(this_month, -n).date() for n in range(11, -1, -1)]
    last_year_months = [date(window_start.year, m, 1) for m in range(1, this_month.month + 1)]
    this_year_months = [date(this_month.year, m, 1) for m in range(1, this_month.month + 1)]

    def month_revenue(currency: str, month: date) -> MonthRevenue:
        row = by_month[currency].get(month)
        return MonthRevenue(
            month, currency, row["amount"] if row else 0, row["payments"] if row else 0
        )

    def currency_revenue(currency: str) -> CurrencyRevenue:
        rows = by_month[currency]
        ytd = sum(rows[m]["amount"] for m in this_year_months if m in rows)
        ytd_last = sum(rows[m]["early"] for m in last_year_months if m in rows)
        mrr_row = mrr.get(currency)
        return CurrencyRevenue(
            currency=currency,
            this_month=month_revenue(currency, this_month.date()),
            previous_month=month_revenue(currency, previous_month.date()),
            same_month_last_year=month_revenue(currency, _months_add(this_month, -12).date()),
            year_to_date=Comparison(currency, ytd, ytd_last),
            last_12_months=tuple(month_revenue(currency, month) for month in months),
            years=tuple(sorted(by_year[currency], key=lambda y: y.year)),
            mrr=Money(mrr_row["mrr"] if mrr_row else 0, currency),
            paying_businesses=mrr_row["businesses"] if mrr_row else 0,
        )

    others = sorted((set(by_month) | set(by_year) | set(mrr)) - {platform})
    return RevenueOverview(
        now=now,
        currency=platform,
        platform=currency_revenue(platform),
        other_currencies=tuple(currency_revenue(currency) for currency in others),
        active_businesses=active,
        losses_this_month=losses[this_month.date()],
        losses_previous_month=losses[previous_month.date()],
        defaulted=defaulted,
        due_days=settings.PAYMENT_DUE_DAYS,
        plans=plans,
    )


# --- MRR --------------------------------------------------------------------------------------

# What MRR counts (decision 0007): a plan subscription that is paid for or being collected.
MRR_STATUSES = (PlanStatus.ACTIVE, PlanStatus.PAST_DUE)


def paying_subscriptions(*, now: datetime | None = None) -> QuerySet[PlanSubscription]:
    """The plan subscriptions MRR counts: status active or past due (a trial, one that ended
    without a paid plan, a suspended or a cancelled one adds nothing). `now` is accepted for
    the overview's signature: the status is the subscription's word on the present."""
    return PlanSubscription.objects.filter(status__in=MRR_STATUSES).exclude(NEVER_PAID)


def _monthly_net() -> Case:
    """The subscription's net amount per month in minor units: a yearly price / 12, rounded
    half up per subscription ((amount + 6) // 12 on non-negative integers)."""
    return Case(
        When(interval=Interval.YEAR, then=(F("amount_minor") + 6) / 12),
        default=F("amount_minor"),
        output_field=IntegerField(),
    )


def mrr_by_currency(*, now: datetime | None = None) -> list[MrrRow]:
    """[{"currency", "mrr" (minor units), "businesses"}], one query: the normalised monthly net
    amounts of the paying plan subscriptions, per subscription currency."""
    return list(
        paying_subscriptions(now=now)
        .values("currency")
        .annotate(mrr=Sum(_monthly_net()), businesses=Count("id"))
        .order_by("currency")
    )


def subscriptions_by_plan(*, now: datetime | None = None) -> list[PlanCount]:
    """How many plan subscriptions each plan has in each status (one query), catalog order."""
    rows = (
        PlanSubscription.objects.values("plan_id", "plan__name", "plan__sort_order", "status")
        .annotate(count=Count("id"))
        .order_by("plan__sort_order", "plan_id", "status")
    )
    return [PlanCount(row["plan__name"], row["status"], row["count"]) for row in rows]


# --- defaults and cancellations ---------------------------------------------------------------


def _overdue(now: datetime) -> Q:
    due = now - timedelta(days=settings.PAYMENT_DUE_DAYS)
    return Q(status=Status.PENDING, gateway__in=OVERDUE_GATEWAYS, created_at__lt=due)


def _losses(*, since: datetime, until: datetime, now: datetime) -> dict[date, MonthLosses]:
    """Failed, overdue and cancelled payments created in [since, until), by UTC month of
    creation: one query."""
    platform = settings.PLATFORM_CURRENCY
    conditions = {
        "failed": Q(status=Status.FAILED),
        "overdue": _overdue(now),
        "cancelled": Q(status=Status.CANCELLED),
    }
    aggregates: dict[str, Aggregate] = {}
    for reason, condition in conditions.items():
        aggregates[f"{reason}_n"] = Count("id", filter=condition)
        aggregates[f"{reason}_sum"] = Sum("amount_minor", filter=condition, default=0)
    rows = (
        Payment.objects.filter(created_at__gte=since, created_at__lt=until)
        .annotate(month=TruncMonth("created_at", tzinfo=UTC))
        .values("month", "currency")
        .annotate(**aggregates)
        .order_by()
    )
    # The aggregates' names are built from the reasons, so a row's keys are not literals.
    found: dict[date, list[Mapping[str, Any]]] = defaultdict(list)
    for row in rows:
        found[_as_month(row["month"])].append(row)
    result = {}
    month = since
    while month < until:
        key = month.date()
        buckets = {}
        for reason in conditions:
            count, amount, others = 0, 0, []
            for found_row in sorted(found[key], key=lambda r: r["currency"]):
                count += found_row[f"{reason}_n"]
                if found_row["currency"] == platform:
                    amount += found_row[f"{reason}_sum"]
                elif found_row[f"{reason}_sum"]:
                    others.append(Money(found_row[f"{reason}_sum"], found_row["currency"]))
            buckets[reason] = LossBucket(reason, count, amount, platform, tuple(others))
        result[key] = MonthLosses(month=key, **buckets)
        month = _months_add(month, 1)
    return result


def payments_defaulted(*, now: datetime | None = None) -> QuerySet[Payment]:
    """The payments defaulting now, newest first, with business and package (one query):
    failed within DEFAULT_LOOKBACK_DAYS and not followed by a paid payment of the same business
    (paid at or after the failed one was started), or a manual payment pending longer than
    settings.PAYMENT_DUE_DAYS. The console's alert job reports these to staff."""
    now = _now(now)
    settled_later = Payment.objects.filter(
        business=OuterRef("business_id"), status=Status.PAID, paid_at__gte=OuterRef("created_at")
    )
    recently_failed = Q(
        status=Status.FAILED,
        failed_at__gte=now - timedelta(days=DEFAULT_LOOKBACK_DAYS),
        failed_at__lte=now,
    ) & ~Exists(settled_later)
    return (
        Payment.objects.annotate(failed_at=Coalesce("closed_at", "created_at"))
        .filter(recently_failed | _overdue(now))
        .select_related("business", "package")
        .order_by("-created_at", "-pk")
    )

"""Platform revenue for the staff console (spec §1.3.1 "Financial Overview", §1.6.1): revenue
by month and year with comparisons, MRR, payment defaults and cancellations, revenue per
business and the payments report behind the exports.

These are platform-wide reads: they aggregate over every business (or list payments across
businesses for staff), so they take no `business` and carry no `unscoped_` prefix — that prefix
marks an escape from tenant scoping inside tenant code, while this whole module is, by purpose,
the platform's own view. Only platform staff may see any of it: the console's views check that.

The definitions (what counts as revenue, MRR, a default, a cancellation) are written down in
docs/decisions/0007-revenue-model.md; keep the two in step. In short: money is never summed
across currencies; months and years are UTC calendar months and years; revenue is a paid
payment's amount, counted at its `paid_at`.
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncYear
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.billing.models import Payment, Subscription
from kazan.core.money import minor_digits, money_format
from kazan.tenancy.models import Business

Status = Payment.Status

# A business counts as paying (for MRR) when it has a paid payment this recent: one monthly
# cycle plus a few days' grace for a late bank transfer.
MRR_PAYING_DAYS = 35
# A failed payment stays a default this long unless a later payment of the business is paid.
DEFAULT_LOOKBACK_DAYS = 90
# Gateways whose pending payments wait for the business to pay (a bank transfer) and so can be
# overdue; a redirecting gateway's checkout expires and is cancelled by its webhook instead.
OVERDUE_GATEWAYS = ("manual",)

LOSS_REASONS = {
    "failed": _("Failed"),
    "overdue": _("Overdue"),
    "cancelled": _("Cancelled"),
}


# --- value types ------------------------------------------------------------------------------


def _major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(currency))


@dataclass(frozen=True)
class Money:
    amount_minor: int
    currency: str

    @property
    def display(self) -> str:
        """In the reader's (the active) language."""
        return money_format(self.amount_minor, self.currency)


@dataclass(frozen=True)
class MonthRevenue:
    month: date  # the first day of the UTC month
    currency: str
    amount_minor: int
    payments: int  # how many paid payments

    @property
    def display(self) -> str:
        return money_format(self.amount_minor, self.currency)


@dataclass(frozen=True)
class YearRevenue:
    year: int
    currency: str
    amount_minor: int
    payments: int

    @property
    def display(self) -> str:
        return money_format(self.amount_minor, self.currency)


@dataclass(frozen=True)
class Comparison:
    """A figure against the one it is compared with (both in `currency`)."""

    currency: str
    current_minor: int
    previous_minor: int

    @property
    def change_minor(self) -> int:
        return self.current_minor - self.previous_minor

    @property
    def change_percent(self) -> float | None:
        """None when there is nothing to compare with (the previous figure is 0)."""
        if self.previous_minor == 0:
            return None
        return round(100 * self.change_minor / self.previous_minor, 1)

    @property
    def current_display(self) -> str:
        return money_format(self.current_minor, self.currency)

    @property
    def previous_display(self) -> str:
        return money_format(self.previous_minor, self.currency)


@dataclass(frozen=True)
class CurrencyRevenue:
    """Every revenue figure of one currency."""

    currency: str
    this_month: MonthRevenue
    previous_month: MonthRevenue
    same_month_last_year: MonthRevenue
    # 1 January → now, against 1 January → the same moment of last year.
    year_to_date: Comparison
    last_12_months: tuple[MonthRevenue, ...]  # oldest first; the current month last
    years: tuple[YearRevenue, ...]  # every calendar year with revenue, oldest first
    mrr: Money
    paying_businesses: int  # the businesses MRR counts

    @property
    def month_vs_previous(self) -> Comparison:
        return Comparison(
            self.currency, self.this_month.amount_minor, self.previous_month.amount_minor
        )

    @property
    def month_vs_last_year(self) -> Comparison:
        return Comparison(
            self.currency, self.this_month.amount_minor, self.same_month_last_year.amount_minor
        )

    @property
    def last_12_months_minor(self) -> int:
        return sum(month.amount_minor for month in self.last_12_months)

    def chart_data(self) -> dict:
        """For Chart.js (json_script): month labels "YYYY-MM" and amounts in major units."""
        return {
            "currency": self.currency,
            "labels": [month.month.strftime("%Y-%m") for month in self.last_12_months],
            "values": [
                float(_major(month.amount_minor, self.currency)) for month in self.last_12_months
            ],
        }


@dataclass(frozen=True)
class LossBucket:
    """Payments of one month lost for one reason: all currencies counted, amounts kept apart."""

    reason: str  # "failed", "overdue" or "cancelled"
    count: int
    amount_minor: int  # in the platform currency
    currency: str  # the platform currency
    other_amounts: tuple[Money, ...] = ()  # other currencies, by code

    @property
    def label(self) -> str:
        return str(LOSS_REASONS[self.reason])

    @property
    def display(self) -> str:
        return money_format(self.amount_minor, self.currency)


@dataclass(frozen=True)
class MonthLosses:
    """Defaults and cancellations among the payments created in `month`."""

    month: date
    failed: LossBucket
    overdue: LossBucket
    cancelled: LossBucket

    @property
    def buckets(self) -> tuple[LossBucket, ...]:
        return (self.failed, self.overdue, self.cancelled)

    @property
    def count(self) -> int:
        return sum(bucket.count for bucket in self.buckets)


@dataclass(frozen=True)
class RevenueOverview:
    now: datetime
    currency: str  # settings.PLATFORM_CURRENCY
    platform: CurrencyRevenue  # the figures in the platform currency (zeros when none)
    other_currencies: tuple[CurrencyRevenue, ...]  # any other currency with data, by code
    active_businesses: int
    losses_this_month: MonthLosses
    losses_previous_month: MonthLosses
    defaulted: int  # payments_defaulted() now: what the alert job reports
    due_days: int  # settings.PAYMENT_DUE_DAYS, for the page's explanation


# --- months -----------------------------------------------------------------------------------


def _month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _months_add(month: datetime, months: int) -> datetime:
    index = month.year * 12 + month.month - 1 + months
    return month.replace(year=index // 12, month=index % 12 + 1)


def _year_earlier(moment: datetime) -> datetime:
    """The same moment one year earlier (29 February → 28 February)."""
    moment = moment.astimezone(UTC)
    try:
        return moment.replace(year=moment.year - 1)
    except ValueError:
        return moment.replace(year=moment.year - 1, day=28)


def _as_month(value) -> date:
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _year_of(value) -> int:
    return (
        value.astimezone(UTC).year if isinstance(value, datetime) and value.tzinfo else value.year
    )


def _now(now: datetime | None) -> datetime:
    return (now or timezone.now()).astimezone(UTC)


# --- the overview -----------------------------------------------------------------------------


def revenue_overview(*, now: datetime | None = None) -> RevenueOverview:
    """Everything the console's financial overview shows, in six queries whatever the number
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
    by_month: dict[str, dict[date, dict]] = defaultdict(dict)
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
    for row in yearly:
        by_year[row["currency"]].append(
            YearRevenue(_year_of(row["year"]), row["currency"], row["amount"], row["payments"])
        )

    # 3. MRR by the subscription's currency.
    mrr = {row["currency"]: row for row in mrr_by_currency(now=now)}

    # 4. Active businesses.
    active = Business.objects.filter(status=Business.Status.ACTIVE).count()

    # 5. Losses among the payments created this month and last month.
    losses = _losses(since=previous_month, until=next_month, now=now)

    # 6. The payments defaulting now.
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
    )


# --- MRR --------------------------------------------------------------------------------------


def paying_subscriptions(*, now: datetime | None = None) -> QuerySet[Subscription]:
    """The subscriptions MRR counts: of an active business with a paid payment within the last
    MRR_PAYING_DAYS days."""
    now = _now(now)
    recent_payment = Payment.objects.filter(
        business=OuterRef("business_id"),
        status=Status.PAID,
        paid_at__gt=now - timedelta(days=MRR_PAYING_DAYS),
        paid_at__lte=now,
    )
    return Subscription.objects.filter(business__status=Business.Status.ACTIVE).filter(
        Exists(recent_payment)
    )


def mrr_by_currency(*, now: datetime | None = None) -> list[dict]:
    """[{"currency", "mrr" (minor units), "businesses"}], one query: the monthly prices
    (Subscription.price_minor, staff may have changed them) of the paying subscriptions."""
    return list(
        paying_subscriptions(now=now)
        .values("currency")
        .annotate(mrr=Sum("price_minor"), businesses=Count("id"))
        .order_by("currency")
    )


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
    aggregates = {}
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
    found: dict[date, list[dict]] = defaultdict(list)
    for row in rows:
        found[_as_month(row["month"])].append(row)
    result = {}
    month = since
    while month < until:
        key = month.date()
        buckets = {}
        for reason in conditions:
            count, amount, others = 0, 0, []
            for row in sorted(found[key], key=lambda r: r["currency"]):
                count += row[f"{reason}_n"]
                if row["currency"] == platform:
                    amount += row[f"{reason}_sum"]
                elif row[f"{reason}_sum"]:
                    others.append(Money(row[f"{reason}_sum"], row["currency"]))
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


# --- per business and the report -------------------------------------------------------------


def _bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """Dates are UTC days, both ends included; a datetime is taken as is (`until` excluded)."""

    def start(day: date) -> datetime:
        if isinstance(day, datetime):
            return day
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    lower = start(since) if since is not None else None
    if until is None:
        upper = None
    elif isinstance(until, datetime):
        upper = until
    else:
        upper = start(until) + timedelta(days=1)
    return lower, upper


def _in_period(column: str, lower: datetime | None, upper: datetime | None) -> Q:
    condition = Q()
    if lower is not None:
        condition &= Q(**{f"{column}__gte": lower})
    if upper is not None:
        condition &= Q(**{f"{column}__lt": upper})
    return condition


@dataclass(frozen=True)
class BusinessRevenue:
    business_id: int
    name: str
    slug: str
    status: str  # the business's status ("active", "suspended")
    currency: str
    amount_minor: int
    payments: int
    last_paid_at: datetime

    @property
    def display(self) -> str:
        return money_format(self.amount_minor, self.currency)


def revenue_by_business(
    *,
    since: date | None,
    until: date | None,
    currency: str | None = None,
    limit: int | None = 20,
) -> list[BusinessRevenue]:
    """The top businesses by revenue (paid payments by paid_at, the days of since..until
    included) in one currency — the platform currency unless `currency` says otherwise. One
    query; `limit=None` lists every business that paid."""
    lower, upper = _bounds(since, until)
    currency = (currency or settings.PLATFORM_CURRENCY).upper()
    rows = (
        Payment.objects.filter(status=Status.PAID, currency=currency)
        .filter(_in_period("paid_at", lower, upper))
        .values("business_id", "currency")
        .annotate(
            name=F("business__name"),
            slug=F("business__slug"),
            status=F("business__status"),
            amount=Sum("amount_minor"),
            payments=Count("id"),
            last_paid_at=Max("paid_at"),
        )
        .order_by("-amount", "name", "business_id")
    )
    if limit is not None:
        rows = rows[:limit]
    return [
        BusinessRevenue(
            business_id=row["business_id"],
            name=row["name"],
            slug=row["slug"],
            status=row["status"],
            currency=row["currency"],
            amount_minor=row["amount"],
            payments=row["payments"],
            last_paid_at=row["last_paid_at"],
        )
        for row in rows
    ]


def revenue_report_rows(
    *, since: date | None, until: date | None
) -> tuple[list[str], Iterator[list]]:
    """The payments report for the CSV / Excel / PDF exports: headers (in the active language)
    and one row per payment created or paid in the period (UTC days, both ends included; None:
    open), oldest first, streamed from the database in chunks.

    A row: created date, paid date ("" if unpaid), business name, business slug, package name,
    gateway, status (its label), amount (decimal text in major units, e.g. "9.00"), currency,
    SMS credits. Dates are `datetime.date` (UTC)."""
    lower, upper = _bounds(since, until)
    headers = [
        gettext("Created"),
        gettext("Paid"),
        gettext("Business"),
        gettext("Business link name"),
        gettext("Package"),
        gettext("Payment method"),
        gettext("Status"),
        gettext("Amount"),
        gettext("Currency"),
        gettext("SMS credits"),
    ]
    # Labels now, in the request's language: a streamed export iterates after the view returned.
    statuses = {value: str(label) for value, label in Status.choices}
    period = _in_period("created_at", lower, upper)
    if lower is not None or upper is not None:
        period |= _in_period("paid_at", lower, upper)
    payments = (
        Payment.objects.filter(period)
        .order_by("created_at", "pk")
        .values_list(
            "created_at",
            "paid_at",
            "business__name",
            "business__slug",
            "package__name",
            "gateway",
            "status",
            "amount_minor",
            "currency",
            "sms_credits",
        )
    )

    def rows() -> Iterator[list]:
        for (
            created,
            paid,
            name,
            slug,
            package,
            gateway,
            status,
            amount,
            currency,
            sms,
        ) in payments.iterator(chunk_size=2000):
            yield [
                created.astimezone(UTC).date(),
                paid.astimezone(UTC).date() if paid else "",
                name,
                slug,
                package,
                gateway,
                statuses.get(status, status),
                f"{_major(amount, currency):f}",
                currency,
                sms,
            ]

    return headers, rows()

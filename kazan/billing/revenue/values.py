"""Revenue's value types (money, months, years, losses, the overview) and the UTC month
arithmetic the figures are counted by."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.billing.models import Payment, SubscriptionStatus
from kazan.core.money import minor_digits, money_format

Status = Payment.Status

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
    mrr: Money  # the normalised monthly net of the active and past-due plan subscriptions
    paying_businesses: int  # the subscriptions MRR counts

    @property
    def arr(self) -> Money:
        """Annual run rate: twelve times MRR."""
        return Money(self.mrr.amount_minor * 12, self.currency)

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
class PlanCount:
    """How many plan subscriptions of one plan are in one status."""

    plan: str  # the plan's name
    status: str  # a SubscriptionStatus value
    count: int

    @property
    def status_label(self) -> str:
        return str(SubscriptionStatus(self.status).label)


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
    plans: tuple[PlanCount, ...] = ()  # plan subscriptions by plan and status


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

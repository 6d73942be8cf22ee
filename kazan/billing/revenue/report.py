"""Revenue per business, and the payments report behind the console's exports."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Max, Q, Sum
from django.utils.translation import gettext

from kazan.billing.models import Payment
from kazan.billing.revenue.values import Status, _major
from kazan.core.money import money_format


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

    A row: created date, paid date ("" if unpaid), business name, business slug, package name
    (a plan invoice's number when the payment paid one), gateway, status (its label), amount
    (decimal text in major units, e.g. "9.00"), currency,
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
            "invoice__number",
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
            invoice,
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
                package or invoice or "",
                gateway,
                statuses.get(status, status),
                f"{_major(amount, currency):f}",
                currency,
                sms,
            ]

    return headers, rows()

"""Aggregate reads of the token orders (seed 004's queue) for the Telegram CRM panel and its
API: a fixed, small number of grouped queries whatever the number of orders (no N+1).
Token orders are the business's orders paid with tokens; `total_minor` counts whole tokens."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate

from kazan.commerce.models import Order, OrderStatus, PaymentMethod
from kazan.commerce.queries.queue import OPEN_STATUSES

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# The statuses of the queue (seed 004 §8.2), in their order.
TOKEN_STATUSES = (
    OrderStatus.PENDING,
    OrderStatus.PROCESSING,
    OrderStatus.ASSIGNED,
    OrderStatus.COMPLETED,
    OrderStatus.CANCELLED,
)


def _token_orders(business: Business) -> QuerySet[Order]:
    return Order.objects.filter(business=business, payment_method=PaymentMethod.TOKENS)


@dataclass(frozen=True)
class TokenOrderFigures:
    """All-time and period figures of the token orders. Revenue counts the tokens of
    completed orders only (a cancelled order's tokens went back to the customer)."""

    orders_total: int
    revenue_total: int
    revenue_month: int
    # In the period [since, now): orders placed, per status, completed and their tokens.
    orders_period: int
    by_status: dict[str, int]
    completed_period: int
    revenue_period: int

    @property
    def completion_rate(self) -> float | None:
        """Completed / placed in the period (seed 004 §9.1), None without orders."""
        return self.completed_period / self.orders_period if self.orders_period else None

    @property
    def average_tokens(self) -> int | None:
        """The average completed order's tokens in the period, None without any."""
        return self.revenue_period // self.completed_period if self.completed_period else None


def token_order_figures(
    *, business: Business, since: dt.datetime, month_start: dt.datetime
) -> TokenOrderFigures:
    """Two queries: one aggregate for the totals, one grouped by status for the period."""
    orders = _token_orders(business)
    completed = Q(status=OrderStatus.COMPLETED)
    totals = orders.aggregate(
        total=Count("id"),
        revenue=Coalesce(Sum("total_minor", filter=completed), 0),
        revenue_month=Coalesce(
            Sum("total_minor", filter=completed & Q(completed_at__gte=month_start)), 0
        ),
        revenue_period=Coalesce(Sum("total_minor", filter=completed & Q(created_at__gte=since)), 0),
    )
    by_status = {status.value: 0 for status in TOKEN_STATUSES}
    for row in (
        orders.filter(created_at__gte=since)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    ):
        by_status[row["status"]] = row["n"]
    return TokenOrderFigures(
        orders_total=totals["total"],
        revenue_total=totals["revenue"],
        revenue_month=totals["revenue_month"],
        orders_period=sum(by_status.values()),
        by_status=by_status,
        completed_period=by_status[OrderStatus.COMPLETED],
        revenue_period=totals["revenue_period"],
    )


def token_orders_daily(
    *, business: Business, since: dt.datetime
) -> dict[dt.date, tuple[int, int, int]]:
    """Per day of the business's time zone since `since`: (orders placed, orders completed,
    tokens of the completed ones). Two grouped queries (placed by created_at, completed by
    completed_at)."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    orders = _token_orders(business)
    placed = {
        row["day"]: row["n"]
        for row in orders.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    }
    done = {
        row["day"]: (row["n"], row["tokens"] or 0)
        for row in orders.filter(status=OrderStatus.COMPLETED, completed_at__gte=since)
        .annotate(day=TruncDate("completed_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"), tokens=Sum("total_minor"))
        .order_by("day")
    }
    return {day: (placed.get(day, 0), *done.get(day, (0, 0))) for day in set(placed) | set(done)}


def package_popularity(*, business: Business, since: dt.datetime) -> list[tuple[str, int]]:
    """Token orders per package placed since `since`, most ordered first (cancelled ones
    included: they were chosen)."""
    return [
        (row["package__name"], row["n"])
        for row in _token_orders(business)
        .filter(created_at__gte=since, package__isnull=False)
        .values("package__name")
        .annotate(n=Count("id"))
        .order_by("-n", "package__name")
    ]


@dataclass(frozen=True)
class QueueHealth:
    waiting: int  # orders in the queue (pending, processing)
    oldest_waiting_at: dt.datetime | None
    open_orders: int  # not yet completed nor cancelled (assigned ones included)


def queue_health(*, business: Business) -> QueueHealth:
    """How full the queue is and since when its oldest order waits: one query."""
    row = _token_orders(business).aggregate(
        waiting=Count("id", filter=Q(queue_rank__isnull=False)),
        oldest=Min("created_at", filter=Q(queue_rank__isnull=False)),
        open=Count("id", filter=Q(status__in=OPEN_STATUSES)),
    )
    return QueueHealth(
        waiting=row["waiting"], oldest_waiting_at=row["oldest"], open_orders=row["open"]
    )


def token_orders_waiting_before(
    *, business: Business, before: dt.datetime, limit: int = 10
) -> tuple[int, list[Order]]:
    """Open token orders placed before `before` (waiting too long), oldest first: their
    number and the first `limit` of them with their customer."""
    waiting = _token_orders(business).filter(status__in=OPEN_STATUSES, created_at__lt=before)
    return waiting.count(), list(
        waiting.select_related("customer", "package").order_by("created_at", "id")[:limit]
    )


@dataclass(frozen=True)
class TokenOrderPerformance:
    completed: int
    cancelled: int
    placed: int
    # Mean time from placing to completion, and to assignment, of the orders completed
    # (assigned) in the period; None without any.
    avg_processing: dt.timedelta | None
    avg_to_assignment: dt.timedelta | None
    reruns: int


def token_order_performance(*, business: Business, since: dt.datetime) -> TokenOrderPerformance:
    """The queue's performance since `since`: one aggregate query."""
    orders = _token_orders(business)
    duration = DurationField()
    row = orders.aggregate(
        placed=Count("id", filter=Q(created_at__gte=since)),
        completed=Count("id", filter=Q(status=OrderStatus.COMPLETED, completed_at__gte=since)),
        cancelled=Count("id", filter=Q(status=OrderStatus.CANCELLED, cancelled_at__gte=since)),
        reruns=Count("id", filter=Q(created_at__gte=since, rerun_of__isnull=False)),
        processing=Avg(
            ExpressionWrapper(F("completed_at") - F("created_at"), output_field=duration),
            filter=Q(status=OrderStatus.COMPLETED, completed_at__gte=since),
        ),
        assignment=Avg(
            ExpressionWrapper(F("assigned_at") - F("created_at"), output_field=duration),
            filter=Q(assigned_at__gte=since),
        ),
    )
    return TokenOrderPerformance(
        completed=row["completed"],
        cancelled=row["cancelled"],
        placed=row["placed"],
        avg_processing=row["processing"],
        avg_to_assignment=row["assignment"],
        reruns=row["reruns"],
    )


def token_order_count_subquery(*, customer_ref: str = "pk") -> Coalesce:
    """The number of token orders of the customer named by `customer_ref` in the outer query,
    for annotating customer lists in one query."""
    counted = (
        Order.objects.filter(
            customer_id=OuterRef(customer_ref), payment_method=PaymentMethod.TOKENS
        )
        .order_by()
        .values("customer_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def token_orders_changed_at(*, business_id: int, since: dt.datetime) -> dt.datetime | None:
    """The latest change of one of the business's token orders after `since` (placed, moved,
    assigned, completed, cancelled: every write saves the order), None without any: what the
    panel's live stream polls. One indexed aggregate."""
    latest: dt.datetime | None = Order.objects.filter(
        business_id=business_id, payment_method=PaymentMethod.TOKENS, updated_at__gt=since
    ).aggregate(at=Max("updated_at"))["at"]
    return latest

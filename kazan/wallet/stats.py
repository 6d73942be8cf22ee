"""Aggregate reads of the wallet for the Telegram CRM panel and its API: money paid for tokens
and premium, unfinished and suspicious payments, subscribers. A fixed number of grouped
queries each, whatever the number of rows; list annotations as subqueries (no N+1)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Count,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from kazan.wallet.models import (
    PremiumPeriod,
    PurchaseStatus,
    TokenAccount,
    TokenPurchase,
)
from kazan.wallet.queries import OPEN_STATUSES, purchases_to_reconcile, wallet_settings_for

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


@dataclass(frozen=True)
class PaidMoney:
    """Money the gateways reported paid, per currency (minor units), and the tokens bought."""

    total: dict[str, int]
    month: dict[str, int]
    tokens_bought: int


def paid_money(*, business: Business, month_start: dt.datetime) -> PaidMoney:
    """What customers actually paid (tokens and premium), all time and this month: one grouped
    query. A business normally has one currency; a change of it shows as two lines."""
    total: dict[str, int] = {}
    month: dict[str, int] = {}
    tokens = 0
    paid = Q(status=PurchaseStatus.PAID)
    for row in (
        TokenPurchase.objects.filter(business=business)
        .filter(paid)
        .values("currency")
        .annotate(
            total=Sum(Coalesce("paid_amount_minor", "amount_minor")),
            month=Sum(
                Coalesce("paid_amount_minor", "amount_minor"), filter=Q(paid_at__gte=month_start)
            ),
            tokens=Sum("tokens"),
        )
        .order_by("currency")
    ):
        total[row["currency"]] = row["total"] or 0
        month[row["currency"]] = row["month"] or 0
        tokens += row["tokens"] or 0
    return PaidMoney(total=total, month=month, tokens_bought=tokens)


def paid_money_daily(*, business: Business, since: dt.datetime) -> dict[dt.date, int]:
    """Money paid per day (business time zone) since `since`, in minor units of the business's
    main currency (the one with most payments); one grouped query."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    rows = list(
        TokenPurchase.objects.filter(business=business, status=PurchaseStatus.PAID)
        .filter(paid_at__gte=since)
        .annotate(day=TruncDate("paid_at", tzinfo=tz))
        .values("day", "currency")
        .annotate(money=Sum(Coalesce("paid_amount_minor", "amount_minor")), n=Count("id"))
        .order_by("day")
    )
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["currency"]] = counts.get(row["currency"], 0) + row["n"]
    main = max(counts, key=lambda currency: counts[currency]) if counts else ""
    return {row["day"]: row["money"] or 0 for row in rows if row["currency"] == main}


def money_currency(*, business: Business) -> str:
    """The currency the business sells tokens in: its latest payment's, else its settings'."""
    found = (
        TokenPurchase.objects.filter(business=business)
        .order_by("-created_at")
        .values_list("currency", flat=True)
        .first()
    )
    return found or wallet_settings_for(business=business).currency


@dataclass(frozen=True)
class PaymentHealth:
    unfinished: int  # waiting or confirming
    oldest_unfinished_at: dt.datetime | None
    # The reconciliation's findings (queries.purchases_to_reconcile): paid but not credited,
    # and paid another amount or currency than asked.
    not_credited: int
    amount_mismatch: int

    @property
    def problems(self) -> int:
        return self.not_credited + self.amount_mismatch


def payment_health(*, business: Business) -> PaymentHealth:
    """Unfinished payments (one aggregate) and what the reconciliation page would list as
    wrong (its one query), for the panel's health block and its alert."""
    row = TokenPurchase.objects.filter(business=business, status__in=OPEN_STATUSES).aggregate(
        n=Count("id"), oldest=Min("created_at")
    )
    found = Counter(
        finding.problem
        for finding in purchases_to_reconcile(business=business, stale_before=timezone.now())
    )
    return PaymentHealth(
        unfinished=row["n"],
        oldest_unfinished_at=row["oldest"],
        not_credited=found["uncredited"],
        amount_mismatch=found["mismatch"],
    )


def premium_active_count(*, business: Business) -> int:
    """Customers with a premium period covering now (active subscribers): one query."""
    now = timezone.now()
    return (
        PremiumPeriod.objects.filter(business=business, starts_at__lte=now, expires_at__gt=now)
        .values("customer_id")
        .distinct()
        .count()
    )


def premium_started_daily(*, business: Business, since: dt.datetime) -> dict[dt.date, int]:
    """New premium periods per day (business time zone) since `since`: one grouped query."""
    tz = zoneinfo.ZoneInfo(business.timezone)
    return {
        row["day"]: row["n"]
        for row in PremiumPeriod.objects.filter(business=business, starts_at__gte=since)
        .annotate(day=TruncDate("starts_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    }


def token_balance_subquery(*, customer_ref: str = "pk") -> Coalesce:
    """The token balance of the customer named by `customer_ref` in the outer query (0 without
    an account), for annotating and sorting customer lists in one query."""
    balance = TokenAccount.objects.filter(customer_id=OuterRef(customer_ref)).values("balance")[:1]
    return Coalesce(Subquery(balance, output_field=IntegerField()), 0)


def premium_until_subquery(*, customer_ref: str = "pk") -> Subquery:
    """When the premium period covering now of the customer named by `customer_ref` ends, None
    when not premium now."""
    now = timezone.now()
    until = (
        PremiumPeriod.objects.filter(
            customer_id=OuterRef(customer_ref), starts_at__lte=now, expires_at__gt=now
        )
        .order_by()
        .values("customer_id")
        .annotate(until=Max("expires_at"))
        .values("until")
    )
    return Subquery(until)


def purchases_changed_at(*, business_id: int, since: dt.datetime) -> dt.datetime | None:
    """The latest payment event of the business after `since` (a purchase started, paid or
    closed), None without any: what the panel's live stream polls. One aggregate query."""
    changed = Q(created_at__gt=since) | Q(paid_at__gt=since) | Q(closed_at__gt=since)
    row = (
        TokenPurchase.objects.filter(business_id=business_id)
        .filter(changed)
        .aggregate(created=Max("created_at"), paid=Max("paid_at"), closed=Max("closed_at"))
    )
    times = [at for at in row.values() if at is not None and at > since]
    return max(times) if times else None

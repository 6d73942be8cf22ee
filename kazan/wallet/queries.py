"""Reads of the token wallet, always scoped to one business."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import CharField, Exists, Max, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from kazan.wallet.models import (
    PremiumPeriod,
    PurchaseStatus,
    TokenAccount,
    TokenEntry,
    TokenPurchase,
    WalletSettings,
)

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

OPEN_STATUSES = (PurchaseStatus.PENDING, PurchaseStatus.CONFIRMING)


def wallet_settings_for(*, business: Business) -> WalletSettings:
    """The business's settings, or unsaved defaults (reads never write; see
    services.wallet_settings_get)."""
    found = WalletSettings.objects.filter(business=business).first()
    return found if found is not None else WalletSettings(business=business)


def token_balance(*, business: Business, customer: Customer) -> int:
    """The customer's token balance (0 when they never had tokens)."""
    balance = (
        TokenAccount.objects.filter(business=business, customer=customer)
        .values_list("balance", flat=True)
        .first()
    )
    return int(balance or 0)


def token_entries(*, business: Business, customer: Customer, limit: int = 20) -> list[TokenEntry]:
    """The customer's latest ledger entries, newest first."""
    return list(
        TokenEntry.objects.filter(business=business, account__customer=customer).select_related(
            "actor"
        )[:limit]
    )


def token_entries_all(
    *,
    business: Business,
    kind: str = "",
    customer_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[TokenEntry]:
    """Every entry of the business for the transactions page and its CSV export, filtered."""
    entries = TokenEntry.objects.filter(business=business).select_related(
        "account__customer", "actor"
    )
    if kind:
        entries = entries.filter(kind=kind)
    if customer_id is not None:
        entries = entries.filter(account__customer_id=customer_id)
    if since is not None:
        entries = entries.filter(created_at__date__gte=since)
    if until is not None:
        entries = entries.filter(created_at__date__lte=until)
    return entries


def _covering_now(business: Business) -> QuerySet[PremiumPeriod]:
    now = timezone.now()
    return PremiumPeriod.objects.filter(business=business, starts_at__lte=now, expires_at__gt=now)


def premium_until(*, business: Business, customer: Customer) -> dt.datetime | None:
    """When the customer's premium ends (renewals included: a renewal starts where the
    current period ends); None when they are not premium now."""
    if not _covering_now(business).filter(customer=customer).exists():
        return None
    end: dt.datetime | None = PremiumPeriod.objects.filter(
        business=business, customer=customer, expires_at__gt=timezone.now()
    ).aggregate(end=Max("expires_at"))["end"]
    return end


def premium_is_active(*, business: Business, customer: Customer) -> bool:
    return _covering_now(business).filter(customer=customer).exists()


def premium_last_end(*, business: Business, customer: Customer) -> dt.datetime | None:
    """The end of the customer's latest period, past or future (where a renewal starts)."""
    end: dt.datetime | None = PremiumPeriod.objects.filter(
        business=business, customer=customer
    ).aggregate(end=Max("expires_at"))["end"]
    return end


def unscoped_premium_periods_ending(
    *, since: dt.datetime, until: dt.datetime, limit: int = 500
) -> list[PremiumPeriod]:
    """Periods of every business ending in (since, until] and not reminded yet (the expiry
    reminder's batch), soonest first."""
    return list(
        PremiumPeriod.objects.filter(
            expires_at__gt=since, expires_at__lte=until, reminded_at__isnull=True
        )
        .select_related("business", "customer")
        .order_by("expires_at")[:limit]
    )


def premium_renewed(*, period: PremiumPeriod) -> bool:
    """Whether a later period follows `period` (then its end is no expiry)."""
    return PremiumPeriod.objects.filter(
        business_id=period.business_id,
        customer_id=period.customer_id,
        expires_at__gt=period.expires_at,
    ).exists()


def token_purchases(
    *, business: Business, customer: Customer | None = None, status: str = ""
) -> QuerySet[TokenPurchase]:
    purchases = TokenPurchase.objects.filter(business=business).select_related("customer")
    if customer is not None:
        purchases = purchases.filter(customer=customer)
    if status:
        purchases = purchases.filter(status=status)
    return purchases


def token_purchase_get(*, business: Business, pk: int) -> TokenPurchase | None:
    return TokenPurchase.objects.filter(business=business, pk=pk).select_related("customer").first()


def unscoped_purchases_unfinished(
    *, older_than: dt.datetime, limit: int = 200
) -> list[TokenPurchase]:
    """Open purchases of every business not polled since `older_than`, oldest first (the
    fallback job's batch). A purchase paid with another amount (flagged for reconciliation)
    is not asked about again."""
    return list(
        TokenPurchase.objects.filter(status__in=OPEN_STATUSES, closed_at__isnull=True)
        .exclude(reference="")
        .filter(Q(last_polled_at__isnull=True) | Q(last_polled_at__lt=older_than))
        .select_related("business", "customer")
        .order_by("created_at")[:limit]
    )


@dataclass(frozen=True)
class ReconcileRow:
    purchase: TokenPurchase
    problem: str


def purchases_to_reconcile(*, business: Business, stale_before: dt.datetime) -> list[ReconcileRow]:
    """Purchases worth a look, each with its `problem`: "uncredited" (paid, but no tokens or
    premium period came of it), "mismatch" (the gateway reported another amount or currency,
    so nothing was credited) or "stale" (still open past `stale_before`)."""
    credited = TokenEntry.objects.filter(
        business=business,
        kind="purchase",
        reference=Concat(Value("purchase:"), Cast(OuterRef("pk"), CharField())),
    )
    purchases = (
        TokenPurchase.objects.filter(business=business)
        .annotate(
            credited=Exists(credited),
            has_period=Exists(PremiumPeriod.objects.filter(purchase=OuterRef("pk"))),
        )
        .filter(
            Q(status=PurchaseStatus.PAID)
            | Q(paid_amount_minor__isnull=False)
            | Q(status__in=OPEN_STATUSES, created_at__lt=stale_before)
        )
        .select_related("customer")
        .order_by("-created_at")[:500]
    )
    found = []
    for purchase in purchases:
        if purchase.paid_amount_minor is not None and purchase.status != PurchaseStatus.PAID:
            found.append(ReconcileRow(purchase, "mismatch"))
        elif purchase.status == PurchaseStatus.PAID:
            done = purchase.has_period if purchase.purpose == "premium" else purchase.credited
            if not done:
                found.append(ReconcileRow(purchase, "uncredited"))
        else:
            found.append(ReconcileRow(purchase, "stale"))
    return found

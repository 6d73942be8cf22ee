"""Billing reads, always scoped to one business: the quota, the catalog and the payments."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from kazan.billing.models import (
    BankDetails,
    Payment,
    SmsPackage,
    Subscription,
    SubscriptionChange,
)
from kazan.billing.money import money_format
from kazan.core.errors import NotFound, ValidationFailed
from kazan.messaging.models import Kind
from kazan.messaging.queries import ledger_entries, sms_balance, sms_usage
from kazan.tenancy.models import Business

WARNING_LEVELS = (95, 80)  # checked highest first
EMPTY = "empty"


@dataclass(frozen=True)
class QuotaStatus:
    package_name: str
    package_key: str
    allowance: int  # SMS per month
    price_minor: int
    currency: str
    price_display: str
    period_start: datetime
    used: int  # credits used since the period started (sends minus refunds)
    remaining: int  # the credit balance: what can still be sent
    percent_used: int  # used / (used + remaining), 0–100
    warning: int | str | None  # None, 80, 95 or "empty"

    @property
    def is_empty(self) -> bool:
        return self.warning == EMPTY

    @property
    def notice_level(self) -> int | None:
        """The warning email this state calls for: 80, 95 (also when empty) or None."""
        if self.warning == EMPTY:
            return 95 if self.used > 0 else None  # never used: nothing was "crossed"
        return self.warning if isinstance(self.warning, int) else None


def _level(*, used: int, remaining: int) -> tuple[int, int | str | None]:
    if remaining <= 0:
        return (100 if used > 0 else 0), EMPTY
    percent = used * 100 // (used + remaining)
    for level in WARNING_LEVELS:
        if percent >= level:
            return percent, level
    return percent, None


@dataclass(frozen=True)
class _Terms:
    subscription: Subscription | None
    package: SmsPackage
    allowance: int
    price_minor: int
    currency: str
    period_start: datetime


def _terms(business: Business) -> _Terms:
    """The business's terms; without a subscription row yet, the default package's (a preview:
    nothing is created by a read)."""
    subscription = Subscription.objects.filter(business=business).select_related("package").first()
    if subscription is not None:
        return _Terms(
            subscription=subscription,
            package=subscription.package,
            allowance=subscription.sms_allowance,
            price_minor=subscription.price_minor,
            currency=subscription.currency,
            period_start=subscription.current_period_start,
        )
    package = _default_package_preview()
    return _Terms(
        subscription=None,
        package=package,
        allowance=package.sms_per_month,
        price_minor=package.price_minor,
        currency=package.currency,
        period_start=timezone.now(),
    )


def quota_status(*, business: Business) -> QuotaStatus:
    """Package, allowance, price, use this period and what is left, with the warning level.

    Reads only: a business without a subscription row yet is shown the default package's terms.
    """
    terms = _terms(business)
    package, period_start = terms.package, terms.period_start
    allowance, price, currency = terms.allowance, terms.price_minor, terms.currency
    used = max(sms_usage(business=business, since=period_start)["credits_used"], 0)
    remaining = sms_balance(business=business)
    percent, warning = _level(used=used, remaining=remaining)
    return QuotaStatus(
        package_name=package.name,
        package_key=package.key,
        allowance=allowance,
        price_minor=price,
        currency=currency,
        price_display=money_format(price, currency, business.language),
        period_start=period_start,
        used=used,
        remaining=remaining,
        percent_used=percent,
        warning=warning,
    )


def quota_warning(*, business: Business) -> QuotaStatus | None:
    """For the dashboard overview's banner: the status when it warns, else None."""
    status = quota_status(business=business)
    return status if status.warning is not None else None


def _default_package_preview() -> SmsPackage:
    from kazan.billing.services import DEFAULT_PACKAGE

    return (
        SmsPackage.objects.filter(key=DEFAULT_PACKAGE["key"], active=True).first()
        or SmsPackage.objects.filter(active=True).first()
        or SmsPackage(**DEFAULT_PACKAGE)
    )


@dataclass(frozen=True)
class PackageOption:
    package: SmsPackage
    price_display: str
    is_current: bool


def package_options(*, business: Business) -> list[PackageOption]:
    """The active packages, priced in the reader's format, the current one marked."""
    current = (
        Subscription.objects.filter(business=business).values_list("package_id", flat=True).first()
    )
    return [
        PackageOption(
            package=package,
            price_display=money_format(package.price_minor, package.currency, business.language),
            is_current=package.pk == current,
        )
        for package in SmsPackage.objects.filter(active=True)
    ]


def package_get_active(*, package_id) -> SmsPackage:
    """An active package by id from form input; anything else is a clear ValidationFailed."""
    from django.utils.translation import gettext_lazy as _

    try:
        pk = int(str(package_id).strip())
    except (TypeError, ValueError):
        pk = None
    valid = pk is not None and 0 < pk < 2**31
    package = SmsPackage.objects.filter(pk=pk, active=True).first() if valid else None
    if package is None:
        raise ValidationFailed(_("Choose one of the packages."), code="invalid_package")
    return package


def bank_details() -> BankDetails | None:
    """The platform's bank account for manual payments, or None while staff have set none."""
    return BankDetails.objects.filter(pk=1).first()


def payments_for(*, business: Business) -> QuerySet[Payment]:
    return Payment.objects.filter(business=business).select_related("package")


def payment_get(*, business: Business, payment_id: int) -> Payment:
    """One payment of this business; another business's id is NotFound, like a missing one."""
    payment = payments_for(business=business).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound()
    return payment


def unscoped_payment_get(*, payment_id: int) -> Payment:
    """Platform staff only (the confirm page): any business's payment."""
    payment = Payment.objects.select_related("business", "package").filter(pk=payment_id).first()
    if payment is None:
        raise NotFound()
    return payment


def payments_pending_manual() -> QuerySet[Payment]:
    """Platform staff's to-do list: manual payments waiting for confirmation."""
    return Payment.objects.filter(gateway="manual", status=Payment.Status.PENDING).select_related(
        "business", "package"
    )


# --- the console's per-business package page ---------------------------------------------------

# Ledger kinds that put credits on the account ("booked") and that use them. Every entry is one
# of the five, so: remaining = carried_over + booked - used.
BOOKED_KINDS = (Kind.GRANT, Kind.PURCHASE, Kind.ADJUSTMENT)
USED_KINDS = (Kind.SEND, Kind.REFUND)


@dataclass(frozen=True)
class PackageOverview:
    package_name: str
    package_key: str
    sms_allowance: int  # SMS per month, granted at each month's start
    sms_booked: int  # credits in this period: grants + purchases + staff adjustments (signed)
    sms_used: int  # credits used this period: sends minus refunds
    sms_remaining: int  # the balance now (includes what was left from before the period)
    carried_over: int  # remaining - booked + used: the balance the period started with
    price_minor: int  # the business's monthly price
    price_display: str
    currency: str
    period_start: datetime
    last_paid_at: datetime | None  # the newest paid payment's paid_at
    has_subscription: bool  # False: the default package is shown, nothing was created yet


def package_overview(*, business: Business) -> PackageOverview:
    """Spec §1.3.2's per-business overview for platform staff: the terms, SMS booked, used and
    remaining in the current period (since Subscription.current_period_start), and the last
    paid payment. Four queries; reads only."""
    terms = _terms(business)
    package, period_start = terms.package, terms.period_start
    allowance, price, currency = terms.allowance, terms.price_minor, terms.currency
    sums = (
        ledger_entries(business=business)
        .filter(created_at__gte=period_start)
        .aggregate(
            booked=Sum("amount", filter=Q(kind__in=BOOKED_KINDS), default=0),
            used=Sum("amount", filter=Q(kind__in=USED_KINDS), default=0),
        )
    )
    booked, used = sums["booked"], -sums["used"]
    remaining = sms_balance(business=business)
    last_paid_at = Payment.objects.filter(business=business, status=Payment.Status.PAID).aggregate(
        last=Max("paid_at")
    )["last"]
    return PackageOverview(
        package_name=package.name,
        package_key=package.key,
        sms_allowance=allowance,
        sms_booked=booked,
        sms_used=used,
        sms_remaining=remaining,
        carried_over=remaining - booked + used,
        price_minor=price,
        price_display=money_format(price, currency),
        currency=currency,
        period_start=period_start,
        last_paid_at=last_paid_at,
        has_subscription=terms.subscription is not None,
    )


def subscription_changes_for(*, business: Business) -> QuerySet[SubscriptionChange]:
    """The internal log of this business's terms, newest first (spec §1.7.3)."""
    return (
        SubscriptionChange.objects.filter(business=business)
        .select_related("changed_by", "payment")
        .order_by("-changed_at", "-id")
    )

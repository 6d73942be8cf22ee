"""Billing reads, always scoped to one business: the quota, the catalog and the payments."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, TypedDict

from django.core.paginator import Page, Paginator
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import pgettext

from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import (
    BankDetails,
    GatewayAccount,
    GatewayCheckout,
    Payment,
    SmsPackage,
    Subscription,
    SubscriptionChange,
)
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.money import money_format
from kazan.messaging.models import Kind, Purpose
from kazan.messaging.queries import ledger_entries, sms_balance, sms_usage
from kazan.tenancy.queries import unscoped_businesses_active

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

WARNING_LEVELS = (95, 80)  # checked highest first


class PackageFields(TypedDict):
    key: str
    name: str
    sms_per_month: int
    price_minor: int
    currency: str
    sort_order: int


# The catalog's default tier, recreated if the seeded rows are gone (transactional tests).
DEFAULT_PACKAGE = PackageFields(
    key="starter",
    name="Starter",
    sms_per_month=200,
    price_minor=900,
    currency="EUR",
    sort_order=10,
)
EMPTY = "empty"


@dataclass(frozen=True)
class QuotaStatus:
    package_name: str  # "Custom" when staff set the business's own terms
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
    is_custom: bool = False  # terms set by staff, not the package's

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

    @property
    def is_custom(self) -> bool:
        """Staff gave this business its own allowance or price: its package's name no longer
        describes what it gets."""
        return (self.allowance, self.price_minor, self.currency) != (
            self.package.sms_per_month,
            self.package.price_minor,
            self.package.currency,
        )

    @property
    def name(self) -> str:
        return pgettext("SMS package", "Custom") if self.is_custom else self.package.name


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
        package_name=terms.name,
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
        is_custom=terms.is_custom,
    )


def quota_warning(*, business: Business) -> QuotaStatus | None:
    """For the dashboard overview's banner: the status when it warns, else None."""
    status = quota_status(business=business)
    return status if status.warning is not None else None


def _default_package_preview() -> SmsPackage:
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
    """The active packages, priced in the reader's format. The current one is marked only while
    the business's terms are that package's: after staff set custom terms none is (the page
    shows the custom terms as current instead)."""
    terms = _terms(business)
    current = None if terms.subscription is None or terms.is_custom else terms.package.pk
    return [
        PackageOption(
            package=package,
            price_display=money_format(package.price_minor, package.currency, business.language),
            is_current=package.pk == current,
        )
        for package in SmsPackage.objects.filter(active=True)
    ]


def package_get_active(*, package_id: object) -> SmsPackage:
    """An active package by id from form input; anything else is a clear ValidationFailed."""
    from django.utils.translation import gettext_lazy as _

    try:
        pk = int(str(package_id).strip())
    except (TypeError, ValueError):
        pk = 0
    valid = 0 < pk < 2**31
    package = SmsPackage.objects.filter(pk=pk, active=True).first() if valid else None
    if package is None:
        raise ValidationFailed(
            _("Choose one of the packages."), code=BillingErrorCode.INVALID_PACKAGE
        )
    return package


def bank_details() -> BankDetails | None:
    """The platform's bank account for manual payments, or None while staff have set none."""
    return BankDetails.objects.filter(pk=1).first()


def gateway_account_for(*, business_id: int, gateway: str) -> GatewayAccount | None:
    """The business's own merchant account at `gateway`, None when it uses the platform's."""
    return GatewayAccount.objects.filter(business_id=business_id, gateway=gateway).first()


def gateway_account_configured(*, business: Business, gateway: str) -> bool:
    """Whether the business saved its own merchant account at `gateway`."""
    return GatewayAccount.objects.filter(business=business, gateway=gateway).exists()


def gateway_account_by_hook(*, gateway: str, hook_key: str) -> GatewayAccount | None:
    """The account whose callback URL carries `hook_key` (the callback view's look-up)."""
    if not hook_key:
        return None
    return GatewayAccount.objects.filter(gateway=gateway, hook_key=hook_key).first()


def gateway_checkout_get(*, gateway: str, reference: str) -> GatewayCheckout | None:
    """Which account (None: the platform's) a checkout was opened with; None when unrecorded."""
    return (
        GatewayCheckout.objects.select_related("account")
        .filter(gateway=gateway, reference=reference)
        .first()
    )


def payment_exists_for(*, gateway: str, reference: str) -> bool:
    """Whether the gateway's checkout `reference` is a billing payment (the platform's sale)."""
    return bool(reference) and (
        Payment.objects.filter(gateway=gateway, gateway_reference=reference).exists()
    )


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


# --- the console's per-business package page ---------------------------------------------------

# Ledger kinds that put credits on the account ("booked") and that use them. Every entry is one
# of the five, so: remaining = carried_over + booked - used.
BOOKED_KINDS = (Kind.GRANT, Kind.PURCHASE, Kind.ADJUSTMENT)
USED_KINDS = (Kind.SEND, Kind.REFUND)
# The monthly allowance's grants carry the reference "allowance:<YYYY-MM>" (allowance_grant).
ALLOWANCE_REFERENCE_PREFIX = "allowance:"
_ALLOWANCE = Q(kind=Kind.GRANT, reference__startswith=ALLOWANCE_REFERENCE_PREFIX)


@dataclass(frozen=True)
class PackageOverview:
    package_name: str  # "Custom" when staff set the business's own terms
    package_key: str
    sms_allowance: int  # SMS per month, granted at each month's start
    sms_booked: int  # credits in this period: grants + purchases + staff adjustments (signed)
    # sms_booked by where it came from, so the figure explains itself next to the allowance.
    booked_allowance: int  # the monthly allowance granted this period
    booked_purchased: int  # packages bought this period
    booked_other: int  # other free credits and staff corrections (signed)
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
            allowance=Sum("amount", filter=_ALLOWANCE, default=0),
            purchased=Sum("amount", filter=Q(kind=Kind.PURCHASE), default=0),
            used=Sum("amount", filter=Q(kind__in=USED_KINDS), default=0),
        )
    )
    booked, used = sums["booked"], -sums["used"]
    remaining = sms_balance(business=business)
    last_paid_at = Payment.objects.filter(business=business, status=Payment.Status.PAID).aggregate(
        last=Max("paid_at")
    )["last"]
    return PackageOverview(
        package_name=terms.name,
        package_key=package.key,
        sms_allowance=allowance,
        sms_booked=booked,
        booked_allowance=sums["allowance"],
        booked_purchased=sums["purchased"],
        booked_other=booked - sums["allowance"] - sums["purchased"],
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


# --- the business's credit history (the SMS credit ledger, for people) --------------------------

HISTORY_PAGE_SIZE = 25
# What used or gave back credits, from the message behind a send or refund entry: campaigns and
# reminders by the idempotency key their services give each SMS, codes by the message's purpose.
_MESSAGE_SOURCE = Case(
    When(message__idempotency_key__startswith="campaign:", then=Value("campaign")),
    When(message__idempotency_key__startswith="reminder:", then=Value("reminder")),
    When(message__purpose=Purpose.OTP, then=Value("otp")),
    default=Value("message"),
    output_field=CharField(),
)


@dataclass(frozen=True)
class CreditHistoryRow:
    """One line of the history: a single credit (allowance, purchase, correction) or the SMS
    of one kind sent (or refunded) on one day, summed."""

    day: date
    kind: str  # allowance, grant, purchase, adjustment, send, refund
    source: str  # for send/refund: campaign, reminder, otp, message; else ""
    amount: int  # signed
    count: int  # entries summed (SMS for send/refund)
    balance_after: int  # the balance right after this line's last entry
    payment_id: int | None  # purchases: the payment that bought them


class LedgerGroup(TypedDict):
    """One grouped line of the ledger, as the history's query returns it."""

    day: date
    kind: str
    source: str
    single: int
    total: int
    entries: int
    last_id: int
    reference: str | None


def credit_history(
    *, business: Business, page_number: int | str | None = 1
) -> tuple[Page[LedgerGroup], list[CreditHistoryRow]]:
    """The business's credit ledger, newest first, for its SMS package page: each allowance,
    purchase, grant and staff correction on its own line, and the SMS sent (and refunds of
    undelivered ones) summed per day and source, so a campaign to 2,000 customers is one line.
    Days are the business's own. Three queries per page, whatever its size."""
    zone = zoneinfo.ZoneInfo(business.timezone)
    message_kinds = (Kind.SEND, Kind.REFUND)
    grouped = (
        ledger_entries(business=business)
        .annotate(
            day=TruncDate("created_at", tzinfo=zone),
            source=Case(When(kind__in=message_kinds, then=_MESSAGE_SOURCE), default=Value("")),
            # Credits that are not SMS stay one line each: their own id keeps them apart.
            single=Case(
                When(kind__in=message_kinds, then=Value(0)),
                default=F("id"),
                output_field=BigIntegerField(),
            ),
        )
        .values("day", "kind", "source", "single")
        .annotate(
            total=Sum("amount"),
            entries=Count("id"),
            last_id=Max("id"),
            reference=Max("reference"),
        )
        .order_by("-day", "-last_id")
    )
    page = Paginator(grouped, HISTORY_PAGE_SIZE).get_page(page_number)
    groups = list(page.object_list)
    balances = dict(
        ledger_entries(business=business)
        .filter(pk__in=[group["last_id"] for group in groups])
        .values_list("pk", "balance_after")
    )
    return page, [_history_row(group, balances[group["last_id"]]) for group in groups]


def _history_row(group: LedgerGroup, balance_after: int) -> CreditHistoryRow:
    reference = group["reference"] or ""
    kind = group["kind"]
    if kind == Kind.GRANT and reference.startswith(ALLOWANCE_REFERENCE_PREFIX):
        kind = "allowance"
    # Purchases carry "payment:<id>" (services.payment_mark_paid).
    number = reference.removeprefix("payment:")
    payment_id = int(number) if kind == Kind.PURCHASE and number.isdigit() else None
    return CreditHistoryRow(
        day=group["day"],
        kind=kind,
        source=group["source"],
        amount=group["total"],
        count=group["entries"],
        balance_after=balance_after,
        payment_id=payment_id,
    )


# --- platform-wide: the periodic jobs --------------------------------------------------------


def unscoped_businesses_without_allowance(*, month: str) -> QuerySet[Business]:
    """Active businesses whose allowance of `month` ("YYYY-MM") is not granted yet."""
    done = Subscription.objects.filter(allowance_granted_for=month).values("business_id")
    return unscoped_businesses_active().exclude(pk__in=done)


def unscoped_businesses_subscribed() -> QuerySet[Business]:
    """Active businesses that have a subscription (the quota warnings look at these)."""
    return unscoped_businesses_active().filter(sms_subscription__isnull=False)

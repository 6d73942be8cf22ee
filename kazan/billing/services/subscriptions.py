"""The subscription: created on first use, its terms (staff may set a business's own, each
change logged), and the monthly allowance of SMS credits."""

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import Payment, SmsPackage, Subscription, SubscriptionChange
from kazan.billing.queries import (
    ALLOWANCE_REFERENCE_PREFIX,
    DEFAULT_PACKAGE,
    unscoped_businesses_without_allowance,
)
from kazan.core.db import insert_or_fetch
from kazan.core.errors import Conflict, PermissionDenied, ValidationFailed
from kazan.messaging.services import sms_credits_grant

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")


def month_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# --- subscription -----------------------------------------------------------------------------


def package_default() -> SmsPackage:
    package = (
        SmsPackage.objects.filter(key=DEFAULT_PACKAGE["key"], active=True).first()
        or SmsPackage.objects.filter(active=True).first()
    )
    if package is None:
        package, _created = SmsPackage.objects.get_or_create(
            key=DEFAULT_PACKAGE["key"], defaults=DEFAULT_PACKAGE
        )
    return package


def subscription_for(business: "Business") -> Subscription:
    """The business's subscription; the first call creates the default (Starter) one.

    Safe under concurrency: two first calls at once end with one row (the loser fetches it).
    """
    existing = Subscription.objects.filter(business=business).select_related("package").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        package = package_default()

        def insert() -> Subscription:
            return Subscription.objects.create(
                business=business,
                package=package,
                sms_allowance=package.sms_per_month,
                price_minor=package.price_minor,
                currency=package.currency,
                current_period_start=timezone.now(),
            )

        def fetch() -> Subscription | None:
            return Subscription.objects.filter(business=business).first()

        subscription, inserted = insert_or_fetch(insert, fetch)
        if inserted:
            activity_record(
                business=business,
                actor=None,
                action="subscription.created",
                target=subscription,
                data={"package": package.key, "sms_allowance": package.sms_per_month},
            )
    return subscription


# --- per-business terms and their internal log -------------------------------------------------

SMS_ALLOWANCE_MAX = 1_000_000
PRICE_MINOR_MAX = 100_000_000
REASON_MIN, REASON_MAX = 3, 500
Field = SubscriptionChange.Field


def _whole_number(value: object, *, high: int, message: str, code: BillingErrorCode) -> int:
    """An int, or a string of digits from a form; anything else (bools, floats, negatives,
    out of range) is a ValidationFailed with `message`."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise ValidationFailed(
            message % {"max": number_format(high, force_grouping=True)}, code=code
        )
    return value


def _terms_log(
    *,
    subscription: Subscription,
    new: dict[str, SmsPackage | int | str],
    reason: str,
    changed_by: "User | None",
    payment: Payment | None = None,
) -> list[SubscriptionChange]:
    """Writes one log row per field whose value differs and applies the new values.

    Call inside the caller's transaction while holding SELECT FOR UPDATE on `subscription`
    (freshly read under that lock): the old values are then the committed ones and concurrent
    changes queue up, so each field's rows form an unbroken old → new chain."""
    now = timezone.now()
    new = {str(field): value for field, value in new.items()}
    rows = []
    for field, value in new.items():
        old = getattr(subscription, field)
        old_text = old.key if field == Field.PACKAGE else str(old)
        new_text = value.key if isinstance(value, SmsPackage) else str(value)
        if old_text == new_text:
            continue
        rows.append(
            SubscriptionChange(
                business_id=subscription.business_id,
                subscription=subscription,
                field=field,
                old_value=old_text,
                new_value=new_text,
                reason=reason,
                changed_by=changed_by,
                payment=payment,
                changed_at=now,
            )
        )
    if not rows:
        return []
    # One by one (not bulk_create): ids in write order on every database, for the chain.
    for row in rows:
        row.save()
    Subscription.objects.filter(pk=subscription.pk).update(**new, updated_at=now)
    for field, value in new.items():
        setattr(subscription, field, value)
    return rows


def subscription_terms_change(
    *,
    business: "Business",
    sms_allowance: int,
    price_minor: int,
    reason: str,
    actor: "Actor",
) -> list[SubscriptionChange]:
    """Platform staff give one business its own SMS allowance and monthly price (spec §1.3.2,
    §1.7.3). Each changed field leaves a log row (old → new, who, why); nothing changed writes
    nothing and returns []. The allowance applies from the next monthly grant; credits already
    granted stay (correct those with messaging's sms_credits_adjust).
    Raises PermissionDenied (not staff), ValidationFailed (with a message per field)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    allowance = _whole_number(
        sms_allowance,
        high=SMS_ALLOWANCE_MAX,
        message=gettext("Enter the SMS per month as a whole number from 0 to %(max)s."),
        code=BillingErrorCode.INVALID_SMS_ALLOWANCE,
    )
    price = _whole_number(
        price_minor,
        high=PRICE_MINOR_MAX,
        message=gettext("Enter the price in cents as a whole number from 0 to %(max)s."),
        code=BillingErrorCode.INVALID_PRICE,
    )
    reason = " ".join(str(reason or "").split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            gettext("Say why the terms change, in %(min)s to %(max)s characters.")
            % {"min": REASON_MIN, "max": REASON_MAX},
            code=BillingErrorCode.INVALID_REASON,
        )
    with transaction.atomic():
        subscription_for(business)
        subscription = Subscription.objects.select_for_update().get(business=business)
        old = {"sms_allowance": subscription.sms_allowance, "price_minor": subscription.price_minor}
        rows = _terms_log(
            subscription=subscription,
            new={Field.SMS_ALLOWANCE: allowance, Field.PRICE_MINOR: price},
            reason=reason,
            changed_by=actor_user(actor),
        )
        if rows:
            activity_record(
                business=business,
                actor=actor,
                action="subscription.terms_changed",
                target=subscription,
                data={
                    "old": old,
                    "new": {"sms_allowance": allowance, "price_minor": price},
                    "currency": subscription.currency,
                    "change_ids": [row.pk for row in rows],
                },
            )
    return rows


# --- the monthly allowance --------------------------------------------------------------------


def allowance_grant(*, business: "Business", now: datetime | None = None) -> bool:
    """Grants this month's allowance to one business, at most once per month: the subscription
    row's conditional UPDATE guards it and the ledger reference "allowance:<YYYY-MM>" backs it.
    Starts a new quota period. Returns True when credits were granted now."""
    now = now or timezone.now()
    month = month_key(now)
    subscription = subscription_for(business)
    with transaction.atomic():
        claimed = (
            Subscription.objects.filter(pk=subscription.pk)
            .exclude(allowance_granted_for=month)
            .update(
                allowance_granted_for=month,
                # A new period starts with the month. The first grant keeps the subscription's
                # own start only if that lies in this month: an older one would count credits
                # bought months before as booked in this period.
                current_period_start=month_start(now)
                if subscription.allowance_granted_for
                else max(month_start(now), subscription.current_period_start),
                updated_at=now,
            )
        )
        if not claimed:
            return False
        subscription.refresh_from_db()
        if subscription.sms_allowance <= 0:
            return False
        try:
            sms_credits_grant(
                business=business,
                amount=subscription.sms_allowance,
                actor=None,
                note=f"monthly allowance {month}",
                reference=f"{ALLOWANCE_REFERENCE_PREFIX}{month}",
            )
        except Conflict:
            return False  # granted already this month, before staff changed the allowance
        activity_record(
            business=business,
            actor=None,
            action="allowance.granted",
            target=subscription,
            data={"month": month, "sms": subscription.sms_allowance},
        )
    return True


def allowance_grant_monthly(*, now: datetime | None = None) -> int:
    """The periodic job: every active business gets its monthly allowance once. Safe to run as
    often as wanted (hourly); a failure for one business does not stop the others."""
    now = now or timezone.now()
    month = month_key(now)
    granted = 0
    for business in unscoped_businesses_without_allowance(month=month):
        try:
            granted += allowance_grant(business=business, now=now)
        except Exception:
            logger.exception("monthly allowance for business %s failed", business.pk)
    return granted

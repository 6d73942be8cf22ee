"""The premium subscription (seed 004 §3.3.3, §8.3): periods of `premium_days`, paid in tokens,
through the payment gateway or granted by the team. A renewal starts where the current period
ends, so paying early never loses days; the customer's account row is locked while a period is
added, so two renewals at once chain instead of overlapping."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.core.errors import ValidationFailed
from kazan.wallet.error_codes import WalletErrorCode
from kazan.wallet.models import PremiumPeriod, TokenEntryKind
from kazan.wallet.queries import (
    premium_last_end,
    premium_renewed,
    unscoped_premium_periods_ending,
    wallet_settings_for,
)
from kazan.wallet.services.notices import notice_after_commit, premium_expiring_text
from kazan.wallet.services.tokens import account_lock, actor_user, tokens_debit

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business
    from kazan.wallet.models import TokenPurchase

MAX_GRANT_DAYS = 366
REMINDER_BEFORE = dt.timedelta(days=3)


def period_add(
    *,
    business: Business,
    customer: Customer,
    days: int,
    source: str,
    actor: Actor | None = None,
    purchase: TokenPurchase | None = None,
) -> PremiumPeriod:
    """Appends a period of `days` starting now, or where the latest one ends if later. Call
    inside a transaction (the account lock is held until commit)."""
    account_lock(business=business, customer=customer)
    now = timezone.now()
    last_end = premium_last_end(business=business, customer=customer)
    starts_at = max(now, last_end) if last_end else now
    user = actor_user(actor)
    period = PremiumPeriod.objects.create(
        business=business,
        customer=customer,
        starts_at=starts_at,
        expires_at=starts_at + dt.timedelta(days=days),
        source=source,
        purchase=purchase,
        created_by=user,
    )
    activity_record(
        business=business,
        actor=actor,
        action=f"premium.{source}",
        target=customer,
        data={"period": period.pk, "days": days, "until": period.expires_at.isoformat()},
        actor_kind=None if user else "system",
    )
    return period


def premium_buy_with_tokens(
    *, business: Business, customer: Customer, actor: Actor | None = None
) -> PremiumPeriod:
    """The customer pays `premium_price_tokens` for one period. InsufficientTokens (nothing
    written) when the balance is short."""
    settings = wallet_settings_for(business=business)
    with transaction.atomic():
        period = period_add(
            business=business,
            customer=customer,
            days=settings.premium_days,
            source=PremiumPeriod.Source.TOKENS,
            actor=actor,
        )
        tokens_debit(
            business=business,
            customer=customer,
            amount=settings.premium_price_tokens,
            kind=TokenEntryKind.PREMIUM,
            reference=f"premium:{period.pk}",
            actor=actor,
        )
        return period


def premium_grant(
    *, business: Business, customer: Customer, days: int, actor: Actor
) -> PremiumPeriod:
    """The team gives premium for `days` (1 to 366) without payment."""
    if not 1 <= days <= MAX_GRANT_DAYS:
        raise ValidationFailed(
            _("Enter a number of days between 1 and %(max)s.") % {"max": MAX_GRANT_DAYS},
            code=WalletErrorCode.INVALID_AMOUNT,
        )
    with transaction.atomic():
        return period_add(
            business=business,
            customer=customer,
            days=days,
            source=PremiumPeriod.Source.ADMIN,
            actor=actor,
        )


def unscoped_premium_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Reminds every customer whose premium ends within 3 days and who has no later period,
    once per period (reminded_at, set conditionally). Returns how many were reminded."""
    now = now or timezone.now()
    due = unscoped_premium_periods_ending(since=now, until=now + REMINDER_BEFORE)
    sent = 0
    for period in due:
        renewed = premium_renewed(period=period)
        with transaction.atomic():
            if not PremiumPeriod.objects.filter(pk=period.pk, reminded_at__isnull=True).update(
                reminded_at=now
            ):
                continue
            if renewed:
                continue
            notice_after_commit(
                business=period.business,
                customer=period.customer,
                key=f"premium-expiring:{period.pk}",
                render=partial(premium_expiring_text, period.expires_at),
            )
            sent += 1
    return sent

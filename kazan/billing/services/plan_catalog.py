"""Staff edit the plan catalog (console, decision 0038): a plan's name, description, whether it
is offered and active, every limit, and its prices per interval and currency. A change of
limits applies to every business on the plan at once; a change of price applies to new
subscriptions and renewals (a subscription keeps the amount it was sold at until its plan or
terms change). Every change is logged, old → new, with the staff member and reason."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import Interval, Plan, PlanPrice
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor

# What staff may change on a plan (the key stays: gateways' prices and settings name it).
PLAN_EDITABLE = (
    "name",
    "description",
    "public",
    "active",
    "sort_order",
    "faq_limit",
    "messages_monthly",
    "ai_messages_monthly",
    "channels_limit",
    "products_limit",
    "team_members_limit",
    "analytics_days",
    "api_access",
    "white_label",
)


@dataclass(frozen=True)
class PriceData:
    interval: str
    currency: str
    amount_minor: int  # net, minor units
    active: bool = True


def _price_key(price: PlanPrice | PriceData) -> str:
    return f"price {price.interval} {price.currency}"


def _price_value(price: PlanPrice | PriceData) -> str:
    return f"{price.amount_minor}" if price.active else f"{price.amount_minor} (off)"


def _prices_check(prices: list[PriceData]) -> None:
    seen = set()
    for price in prices:
        if price.interval not in Interval.values:
            raise ValidationFailed(_("Unknown interval."), code=BillingErrorCode.INVALID_FIELD)
        if len(price.currency) != 3 or not price.currency.isalpha():
            raise ValidationFailed(
                _("A currency is three letters (EUR)."), code=BillingErrorCode.INVALID_FIELD
            )
        if price.amount_minor < 0:
            raise ValidationFailed(
                _("A price cannot be negative."), code=BillingErrorCode.INVALID_AMOUNT
            )
        if (price.interval, price.currency) in seen:
            raise ValidationFailed(
                _("Each interval and currency has one price."), code=BillingErrorCode.INVALID_FIELD
            )
        seen.add((price.interval, price.currency))


def plan_catalog_update(
    *, plan: Plan, fields: dict[str, Any], prices: list[PriceData], reason: str, actor: Actor
) -> dict[str, list[Any]]:
    """Applies the given plan fields and prices (a price missing from `prices` is left as it
    is; prices are never deleted, only made inactive, since subscriptions point at them).
    Returns the changes {what: [old, new]}; nothing changed → {} and nothing logged."""
    unknown = set(fields) - set(PLAN_EDITABLE)
    if unknown:
        raise ValidationFailed(
            _("These cannot be changed: %(fields)s") % {"fields": ", ".join(sorted(unknown))},
            code=BillingErrorCode.INVALID_FIELD,
        )
    if "name" in fields and not str(fields["name"]).strip():
        raise ValidationFailed(_("A plan needs a name."), code=BillingErrorCode.INVALID_FIELD)
    prices = [
        PriceData(p.interval, p.currency.strip().upper(), int(p.amount_minor), p.active)
        for p in prices
    ]
    _prices_check(prices)
    if not reason.strip():
        raise ValidationFailed(_("Say why the plan changes."), code=BillingErrorCode.INVALID_FIELD)
    changes: dict[str, list[Any]] = {}
    with transaction.atomic():
        locked = Plan.objects.select_for_update().get(pk=plan.pk)
        for field, value in fields.items():
            old = getattr(locked, field)
            if old != value:
                changes[field] = [old, value]
                setattr(locked, field, value)
        if changes:
            locked.save(update_fields=[*changes, "updated_at"])
        existing = {(p.interval, p.currency): p for p in PlanPrice.objects.filter(plan=locked)}
        for price in prices:
            row = existing.get((price.interval, price.currency))
            if row is None:
                PlanPrice.objects.create(
                    plan=locked,
                    interval=price.interval,
                    currency=price.currency,
                    amount_minor=price.amount_minor,
                    active=price.active,
                )
                changes[_price_key(price)] = [None, _price_value(price)]
            elif (row.amount_minor, row.active) != (price.amount_minor, price.active):
                changes[_price_key(price)] = [_price_value(row), _price_value(price)]
                row.amount_minor, row.active = price.amount_minor, price.active
                row.save(update_fields=["amount_minor", "active"])
        if changes:
            activity_record(
                business=None,
                actor=actor,
                action="plan.catalog_changed",
                target=locked,
                data={"changes": changes, "reason": reason.strip()[:500]},
            )
    for field in fields:
        setattr(plan, field, getattr(locked, field))
    return changes

"""A business's use against its plan's limits: the usage bars, and what blocks a downgrade."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kazan.billing.models import Plan, UsageCounter
from kazan.billing.queries.plans import (
    PLAN_FIELDS,
    plan_subscription_get,
    plan_terms,
    subscription_terms,
)
from kazan.core.entitlements import Limit, Quota, Usage, usage_count

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def limit_labels() -> dict[str, str]:
    """Every entitlement key (and "analytics_days") with its translated name: the plan's
    column's, as the plan catalog shows it."""
    return {
        key: str(getattr(Plan._meta.get_field(field), "verbose_name", key))
        for key, field in PLAN_FIELDS.items()
    }


def quota_used(*, business: Business, key: Quota) -> int:
    """This month's use of `key` (the business's own calendar month)."""
    period = business.today().strftime("%Y-%m")
    used = (
        UsageCounter.objects.filter(business=business, quota=key, period=period)
        .values_list("used", flat=True)
        .first()
    )
    return used or 0


def _used(*, business: Business) -> dict[str, int]:
    used: dict[str, int] = {key: usage_count(business=business, key=key) for key in Limit}
    period = business.today().strftime("%Y-%m")
    counters = dict(
        UsageCounter.objects.filter(business=business, period=period).values_list("quota", "used")
    )
    used.update({key: counters.get(key, 0) for key in Quota})
    return used


def _usages(used: dict[str, int], terms: dict[str, int | bool | None]) -> list[Usage]:
    return [
        Usage(key=key, used=used[key], limit=None if limit is None else int(limit))
        for key in (*Limit, *Quota)
        for limit in [terms[key]]
    ]


def plan_usage(*, business: Business) -> list[Usage]:
    """Every limit and monthly quota with what the business uses now (quotas: this month).
    Before the business has a plan subscription: its use, and no limits."""
    subscription = plan_subscription_get(business=business)
    used = _used(business=business)
    if subscription is None:
        return [Usage(key=key, used=used[key], limit=None) for key in (*Limit, *Quota)]
    return _usages(used, subscription_terms(subscription=subscription))


def downgrade_blockers(*, business: Business, plan: Plan) -> list[Usage]:
    """The kept things the business has more of than `plan` allows (with `plan`'s limit): it
    must remove some before moving there. Monthly quotas do not block (they reset); staff's
    overrides stay with the business, so they apply on the lower plan too."""
    subscription = plan_subscription_get(business=business)
    overrides = subscription.limit_overrides if subscription is not None else {}
    terms = plan_terms(plan=plan, overrides=overrides)
    used: dict[str, int] = {key: usage_count(business=business, key=key) for key in Limit}
    used.update(dict.fromkeys(Quota, 0))
    return [
        usage
        for usage in _usages(used, terms)
        if usage.limit is not None and usage.used > usage.limit
    ]

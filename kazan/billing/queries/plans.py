"""Reads of the plan catalog and of what a business's plan allows (its effective terms)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from kazan.billing.models import Plan, PlanPrice, PlanSubscription, SubscriptionStatus
from kazan.billing.queries.invoices import MANUAL_GATEWAYS
from kazan.core.entitlements import Capability, Limit, Quota

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# The plan's column for each entitlement key; "analytics_days" has no enum of its own.
ANALYTICS_DAYS = "analytics_days"
PLAN_FIELDS: dict[str, str] = {
    Limit.FAQS: "faq_limit",
    Limit.PRODUCTS: "products_limit",
    Limit.CHANNELS: "channels_limit",
    Limit.TEAM_MEMBERS: "team_members_limit",
    Quota.MESSAGES: "messages_monthly",
    Quota.AI_MESSAGES: "ai_messages_monthly",
    Capability.API_ACCESS: "api_access",
    Capability.WHITE_LABEL: "white_label",
    ANALYTICS_DAYS: "analytics_days",
}
# Statuses in which the business may use what its plan allows (past due: still, until the
# grace period ends).
USABLE_STATUSES = frozenset(
    {SubscriptionStatus.TRIALING, SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE}
)


def plans_offered() -> QuerySet[Plan]:
    """The active plans with their active prices (the plans page), in catalog order."""
    return Plan.objects.filter(active=True).prefetch_related(
        Prefetch("prices", queryset=PlanPrice.objects.filter(active=True), to_attr="active_prices")
    )


def plan_by_key(*, key: str) -> Plan | None:
    return Plan.objects.filter(key=key).first()


def plan_terms(
    *, plan: Plan, overrides: dict[str, int | bool | None] | None = None
) -> dict[str, int | bool | None]:
    """What a plan allows, by entitlement key (None: unlimited), with a business's overrides
    (staff's custom terms) laid over it."""
    terms: dict[str, int | bool | None] = {
        key: getattr(plan, field) for key, field in PLAN_FIELDS.items()
    }
    for key, value in (overrides or {}).items():
        if key in terms:
            terms[key] = value
    return terms


def subscription_terms(*, subscription: PlanSubscription) -> dict[str, int | bool | None]:
    return plan_terms(plan=subscription.plan, overrides=subscription.limit_overrides)


def plan_subscription_get(*, business: Business) -> PlanSubscription | None:
    """The business's plan subscription with its plan (None before its trial was started:
    billing.services.plan_subscriptions.plan_subscription_for makes it)."""
    return (
        PlanSubscription.objects.select_related("plan", "price", "pending_plan")
        .filter(business=business)
        .first()
    )


def trial_end_for(*, start: dt.datetime, days: int) -> dt.datetime:
    return start + dt.timedelta(days=days)


# How long a gateway-held subscription may go without the news it expects before it is asked
# for at the gateway (plan_resync).
RESYNC_AFTER = dt.timedelta(days=1)


def subscriptions_overdue_for_news(*, now: dt.datetime) -> list[tuple[int, str, str]]:
    """(pk, gateway, gateway subscription id) of the gateway-held subscriptions that have not
    ended and look overdue for a webhook: the current period ended more than RESYNC_AFTER ago
    (its renewal should have been reported), or it waits for a payment's outcome (past due,
    suspended for not paying, or a trial that has ended: the gateway's first charge) and no
    gateway event came for as long."""
    quiet = Q(gateway_event_at__isnull=True) | Q(gateway_event_at__lt=now - RESYNC_AFTER)
    waiting = Q(status__in=(SubscriptionStatus.PAST_DUE, SubscriptionStatus.SUSPENDED)) | Q(
        status=SubscriptionStatus.TRIALING, trial_ends_at__lt=now
    )
    return list(
        PlanSubscription.objects.exclude(gateway__in=MANUAL_GATEWAYS)
        .exclude(gateway_subscription_id="")
        .exclude(status=SubscriptionStatus.CANCELLED)
        .filter(ended_at__isnull=True)
        .filter(Q(current_period_end__lt=now - RESYNC_AFTER) | (waiting & quiet))
        .order_by("current_period_end", "pk")  # the longest overdue first
        .values_list("pk", "gateway", "gateway_subscription_id")
    )

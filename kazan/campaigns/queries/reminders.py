"""Reads of the visit reminders: the business's rule, who is due, what was sent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, TypedDict

from django.db.models import (
    Count,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from kazan.campaigns.models import (
    ReminderRule,
    ReminderSent,
)
from kazan.campaigns.queries.campaigns import recipients_consenting
from kazan.messaging.queries import last_message_at_subquery
from kazan.tenancy.queries import unscoped_businesses_active

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


# --- reminders ---------------------------------------------------------------------------------


def reminder_rule_get(*, business: Business) -> ReminderRule:
    """The business's rule, or an unsaved disabled default (nothing is written by reading)."""
    return ReminderRule.objects.filter(business=business).first() or ReminderRule(business=business)


def reminder_candidates(*, rule: ReminderRule, now: datetime) -> QuerySet[Customer]:
    """Consenting customers who got no SMS from this business for `days_without_sms` days
    (never counts from when they became a customer) and fewer than `cap_per_customer`
    reminders since their last visit."""
    business = rule.business
    cutoff = now - timedelta(days=rule.days_without_sms)
    reminders = (
        ReminderSent.objects.filter(
            business=business, customer=OuterRef("pk"), created_at__gt=OuterRef("since")
        )
        .values("customer")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        recipients_consenting(business=business)
        .annotate(
            quiet_since=Coalesce(last_message_at_subquery(business=business), "created_at"),
            since=Coalesce("last_interaction_at", "created_at"),
        )
        .filter(quiet_since__lt=cutoff)
        .annotate(reminded=Coalesce(Subquery(reminders, output_field=IntegerField()), Value(0)))
        .filter(reminded__lt=rule.cap_per_customer)
        .order_by("pk")
    )


class RemindersOfDay(TypedDict):
    day: date
    n: int


def reminders_recent(*, business: Business, limit: int = 20) -> list[RemindersOfDay]:
    """Reminders sent per day, latest days first (counts only)."""
    rows = (
        ReminderSent.objects.filter(business=business)
        .values("day")
        .annotate(n=Count("id"))
        .order_by("-day")[:limit]
    )
    return [RemindersOfDay(day=row["day"], n=row["n"]) for row in rows]


def reminded_on(*, business: Business, day: date) -> QuerySet[ReminderSent, int]:
    """The ids of the customers already reminded on `day` (for an `__in` filter)."""
    return ReminderSent.objects.filter(business=business, day=day).values_list(
        "customer_id", flat=True
    )


def unscoped_reminder_rules_enabled() -> QuerySet[ReminderRule]:
    """Every enabled reminder rule of an active (not suspended) business, with its business."""
    return ReminderRule.objects.filter(
        enabled=True, business__in=unscoped_businesses_active()
    ).select_related("business")

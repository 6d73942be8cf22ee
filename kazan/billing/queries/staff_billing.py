"""The platform staff's billing lists (console, decision 0038): payments, failed payments,
dunning and plan subscriptions across every business, filtered. Unscoped by purpose: only
staff_required console views call them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce

from kazan.billing.models import DunningNotice, Invoice, Payment, Plan, PlanSubscription
from kazan.billing.models import SubscriptionStatus as PlanStatus
from kazan.billing.queries.plan_pages import NEVER_PAID
from kazan.core.errors import NotFound


@dataclass(frozen=True)
class StaffFilters:
    status: str = ""
    gateway: str = ""
    business: str = ""  # a business's name or link name, in part
    since: dt.date | None = None  # UTC days, both ends included
    until: dt.date | None = None
    kind: str = ""  # invoices: "invoice", "credit_note", "receipt" (a paid invoice)
    plan: str = ""  # subscriptions: a plan key


def _day(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)


def _period(column: str, filters: StaffFilters) -> Q:
    condition = Q()
    if filters.since is not None:
        condition &= Q(**{f"{column}__gte": _day(filters.since)})
    if filters.until is not None:
        condition &= Q(**{f"{column}__lt": _day(filters.until) + dt.timedelta(days=1)})
    return condition


def _business(filters: StaffFilters) -> Q:
    text = filters.business.strip()
    if not text:
        return Q()
    return Q(business__name__icontains=text) | Q(business__slug__icontains=text)


def unscoped_payments_filtered(*, filters: StaffFilters) -> QuerySet[Payment]:
    """Every business's payments (SMS packages and plan invoices), newest first, one query
    with business, package and invoice."""
    rows = Payment.objects.select_related("business", "package", "invoice").filter(
        _business(filters), _period("created_at", filters)
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.gateway:
        rows = rows.filter(gateway=filters.gateway)
    return rows.order_by("-created_at", "-pk")


def unscoped_invoices_filtered(*, filters: StaffFilters) -> QuerySet[Invoice]:
    """Every business's invoices, receipts (paid invoices) and credit notes, newest first."""
    rows = Invoice.objects.select_related("business", "credit_note_for").filter(
        _business(filters), _period("issued_at", filters)
    )
    if filters.kind == "receipt":
        rows = rows.filter(kind=Invoice.Kind.INVOICE, status=Invoice.Status.PAID)
    elif filters.kind:
        rows = rows.filter(kind=filters.kind)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.gateway:
        rows = rows.filter(gateway=filters.gateway)
    return rows.order_by("-issued_at", "-pk")


def unscoped_dunning(*, filters: StaffFilters) -> QuerySet[PlanSubscription]:
    """Past-due plan subscriptions, longest overdue first, each with `steps` (the dunning
    emails sent in this spell of being past due) and `trial_ended` (a trial over without a
    paid plan: nothing failed); the grace period ends BILLING_GRACE_DAYS after
    `past_due_since`, the dates filter on it. One query."""
    steps = (
        DunningNotice.objects.filter(
            subscription=OuterRef("pk"), past_due_since=OuterRef("past_due_since")
        )
        .values("subscription")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = (
        PlanSubscription.objects.filter(status=PlanStatus.PAST_DUE)
        .filter(_business(filters), _period("past_due_since", filters))
        .select_related("business", "plan")
        .annotate(
            steps=Coalesce(Subquery(steps, output_field=IntegerField()), 0),
            trial_ended=ExpressionWrapper(NEVER_PAID, output_field=BooleanField()),
        )
    )
    if filters.gateway:
        rows = rows.filter(gateway=filters.gateway)
    if filters.plan:
        rows = rows.filter(plan__key=filters.plan)
    return rows.order_by("past_due_since", "pk")


def grace_ends(subscription: PlanSubscription) -> dt.datetime | None:
    if subscription.past_due_since is None:
        return None
    return subscription.past_due_since + dt.timedelta(days=settings.BILLING_GRACE_DAYS)


def unscoped_subscriptions_filtered(*, filters: StaffFilters) -> QuerySet[PlanSubscription]:
    """Every business's plan subscription by plan and status, one query; the dates filter
    on when it started."""
    rows = PlanSubscription.objects.select_related("business", "plan", "pending_plan").filter(
        _business(filters), _period("created_at", filters)
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.plan:
        rows = rows.filter(plan__key=filters.plan)
    if filters.gateway:
        rows = rows.filter(gateway=filters.gateway)
    return rows.order_by("plan__sort_order", "status", "business__name", "pk")


def plans_catalog() -> QuerySet[Plan]:
    """Every plan, offered or not, with all its prices (staff's catalog editor), two queries."""
    return Plan.objects.prefetch_related("prices").order_by("sort_order", "pk")


def plan_get(*, plan_id: int) -> Plan:
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound()
    return plan

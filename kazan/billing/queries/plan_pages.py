"""Reads behind the business's billing pages (decision 0038): the plan card, the usage bars,
the plan comparison and the invoices list. Every read is scoped to the business."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.billing.models import Invoice, Plan, PlanPrice, PlanSubscription, SubscriptionStatus
from kazan.billing.queries.invoices import invoices_for
from kazan.billing.queries.plans import ANALYTICS_DAYS, plan_terms, plans_offered
from kazan.core.entitlements import Capability, Limit, Quota, Usage

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kazan.tenancy.models import Business

# A plan is paid for (a change of plan goes through plan_change, not a new checkout).
PAID_STATUSES = frozenset({SubscriptionStatus.ACTIVE, SubscriptionStatus.PAST_DUE})


def gateway_held(subscription: PlanSubscription) -> bool:
    """A card gateway holds the subscription (a Stripe or Razorpay trial with a card, too)."""
    return bool(subscription.gateway_subscription_id) and subscription.gateway != "manual"


def plan_changeable(subscription: PlanSubscription) -> bool:
    """What the lifecycle's plan_change accepts: an active plan, or a trial a gateway holds
    (a past-due plan is paid before it changes; anything else subscribes)."""
    return subscription.status == SubscriptionStatus.ACTIVE or (
        subscription.status == SubscriptionStatus.TRIALING and gateway_held(subscription)
    )


def never_paid(subscription: PlanSubscription) -> bool:
    """A trial that ended without a paid plan: past due with nothing to charge (no amount, no
    gateway subscription). It subscribes; no payment failed and it is no revenue."""
    return (
        subscription.status == SubscriptionStatus.PAST_DUE
        and subscription.amount_minor == 0
        and not subscription.gateway_subscription_id
    )


# The same as never_paid, as a filter on PlanSubscription.
NEVER_PAID = Q(status=SubscriptionStatus.PAST_DUE, amount_minor=0, gateway_subscription_id="")


# At this share of a limit the bar turns to the warning colour.
WARN_PERCENT = 80

LIMIT_LABELS: dict[str, Promise] = {
    Limit.FAQS: _("FAQs"),
    Limit.PRODUCTS: _("Products"),
    Limit.CHANNELS: _("Connected channels (numbers, bots)"),
    Limit.TEAM_MEMBERS: _("Team members"),
    Quota.MESSAGES: _("Messages this month"),
    Quota.AI_MESSAGES: _("AI messages this month"),
}
# The plan comparison's rows, in order: every limit, the analytics depth and the capabilities.
COMPARISON_ROWS: tuple[tuple[str, Promise], ...] = (
    (Limit.FAQS, _("FAQs")),
    (Quota.MESSAGES, _("Messages per month")),
    (Quota.AI_MESSAGES, _("AI messages per month")),
    (Limit.CHANNELS, _("Connected channels (numbers, bots)")),
    (Limit.PRODUCTS, _("Products")),
    (Limit.TEAM_MEMBERS, _("Team members")),
    (ANALYTICS_DAYS, _("Analytics history (days)")),
    (Capability.API_ACCESS, _("API access")),
    (Capability.WHITE_LABEL, _("White label (without Kazan's name)")),
)


@dataclass(frozen=True)
class UsageBar:
    key: str
    label: str
    used: int
    limit: int | None  # None: unlimited
    monthly: bool

    @property
    def percent(self) -> int:
        """Share of the limit used, 0–100 (a bar is never longer than full); 0 if unlimited."""
        if self.limit is None:
            return 0
        if self.limit == 0:
            return 100
        return min(100, self.used * 100 // self.limit)

    @property
    def warning(self) -> bool:
        return self.limit is not None and self.percent >= WARN_PERCENT

    @property
    def full(self) -> bool:
        return self.limit is not None and self.used >= self.limit


def usage_bars(usages: list[Usage]) -> list[UsageBar]:
    """plan_usage's figures as the page's bars, labelled, in its order."""
    return [
        UsageBar(
            key=usage.key,
            label=str(LIMIT_LABELS.get(usage.key, usage.key)),
            used=usage.used,
            limit=usage.limit,
            monthly=usage.key in set(Quota),
        )
        for usage in usages
    ]


def trial_days_left(*, subscription: PlanSubscription, now: dt.datetime | None = None) -> int:
    """Whole days left of the trial (0 on its last day and after)."""
    if subscription.trial_ends_at is None:
        return 0
    left = subscription.trial_ends_at - (now or timezone.now())
    return max(0, left.days)


def invoices_open(*, business: Business) -> QuerySet[Invoice]:
    """Invoices issued and not paid yet (a bank transfer awaited, a renewal being retried)."""
    return invoices_for(business=business).filter(
        kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN
    )


def amount_due(*, business: Business, currency: str) -> int:
    """What the business owes on open invoices in `currency` (minor units, gross)."""
    total = (
        invoices_open(business=business)
        .filter(currency=currency)
        .aggregate(total=Sum("total_minor"))["total"]
    )
    return total or 0


@dataclass(frozen=True)
class PlanOption:
    """One plan of the comparison as this business sees it."""

    plan: Plan
    price: PlanPrice | None  # in the chosen interval and the business's currency
    terms: dict[str, int | bool | None]
    # "subscribe" (no paid plan yet: checkout), "current", "switch" (the same plan, the other
    # interval), "upgrade", "downgrade", "contact" (no public price: staff give custom terms),
    # "unpaid" (past due: the open invoice is paid before the plan changes).
    relation: str

    def value(self, key: str) -> int | bool | None:
        return self.terms.get(key)


def offered_currency(*, plans: list[Plan], currency: str) -> str:
    """`currency` when the catalog has prices in it, else settings.PLATFORM_CURRENCY (a
    business whose currency has no prices sees the platform's, not "on request" only)."""
    currency = (currency or "").upper()
    if any(p.currency == currency for plan in plans for p in getattr(plan, "active_prices", [])):
        return currency
    return settings.PLATFORM_CURRENCY


def plan_options(
    *, business: Business, subscription: PlanSubscription | None, interval: str, currency: str
) -> list[PlanOption]:
    """The active plans for the comparison table (two queries: plans and their prices), each
    with its price in `interval` and `currency` and what choosing it means for this business
    (upgrade or downgrade by catalog order; a trial or an ended plan subscribes)."""
    current = subscription.plan if subscription is not None else None
    changeable = subscription is not None and plan_changeable(subscription)
    past_due = (
        subscription is not None
        and subscription.status == SubscriptionStatus.PAST_DUE
        and not never_paid(subscription)
    )
    plans = list(plans_offered())
    currency = offered_currency(plans=plans, currency=currency)
    options = []
    for plan in plans:
        price = next(
            (
                p
                for p in getattr(plan, "active_prices", [])
                if p.interval == interval and p.currency == currency
            ),
            None,
        )
        if price is None or not plan.public:
            relation = "contact"
        elif past_due and current is not None and plan.pk == current.pk:
            relation = "current"
        elif past_due:
            relation = "unpaid"
        elif subscription is None or current is None or not changeable:
            relation = "subscribe"
        elif plan.pk == current.pk:
            relation = "current" if subscription.interval == interval else "switch"
        elif plan.sort_order > current.sort_order:
            relation = "upgrade"
        else:
            relation = "downgrade"
        options.append(
            PlanOption(plan=plan, price=price, terms=plan_terms(plan=plan), relation=relation)
        )
    return options

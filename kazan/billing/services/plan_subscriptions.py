"""A business's plan subscription: its trial (made on first need). The rest of the life —
subscribing, changing plan, renewals, dunning, suspension — is added by the lifecycle work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from kazan.activity.services import activity_record
from kazan.billing.models import PlanChange, PlanSubscription, SubscriptionStatus
from kazan.billing.queries.plans import plan_by_key, plan_subscription_get, trial_end_for
from kazan.core.db import insert_or_fetch

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def plan_subscription_for(business: Business) -> PlanSubscription:
    """The business's plan subscription; the first call starts its trial (settings'
    BILLING_TRIAL_PLAN for BILLING_TRIAL_DAYS from now), logged once however many race."""
    existing = plan_subscription_get(business=business)
    if existing is not None:
        return existing
    plan = plan_by_key(key=settings.BILLING_TRIAL_PLAN)
    if plan is None:
        raise LookupError(f"The trial plan {settings.BILLING_TRIAL_PLAN!r} does not exist.")
    now = timezone.now()
    with transaction.atomic():
        subscription, inserted = insert_or_fetch(
            lambda: PlanSubscription.objects.create(
                business=business,
                plan=plan,
                status=SubscriptionStatus.TRIALING,
                currency=business.currency or "EUR",
                trial_ends_at=trial_end_for(start=now, days=settings.BILLING_TRIAL_DAYS),
            ),
            lambda: PlanSubscription.objects.filter(business=business).first(),
        )
        if inserted:
            PlanChange.objects.create(
                business=business,
                subscription=subscription,
                kind=PlanChange.Kind.TRIAL_STARTED,
                new_value=plan.key,
                reason="new business",
                changed_at=now,
            )
            activity_record(
                business=business,
                actor=None,
                action="plan.trial_started",
                target=subscription,
                data={
                    "plan": plan.key,
                    "trial_ends_at": subscription.trial_ends_at.date().isoformat(),
                },
            )
    subscription.plan = plan if inserted else subscription.plan
    return subscription

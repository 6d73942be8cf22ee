"""Test helpers of other apps' tests: the plan catalog and a business's limits."""

import importlib
from collections.abc import Sequence

from django.apps import apps

from kazan.billing.models import PlanSubscription, SubscriptionStatus
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.core.entitlements import PlanLimitReached


def plans_seed() -> None:
    """The seeded plans again (a transactional test flushes what the data migration made)."""
    importlib.import_module("kazan.billing.migrations.0008_seed_plans").seed(apps, None)


def limits_give(business, **terms) -> PlanSubscription:
    """The business's subscription with these terms laid over its plan ("faqs": 2, …; None is
    unlimited): staff's overrides, without the service's log."""
    subscription = plan_subscription_for(business)
    subscription.limit_overrides = {**subscription.limit_overrides, **terms}
    subscription.save(update_fields=["limit_overrides"])
    return subscription


def subscription_status_set(business, status: str = SubscriptionStatus.SUSPENDED) -> None:
    plan_subscription_for(business)
    PlanSubscription.objects.filter(business=business).update(status=status)


def limit_outcomes(results: Sequence[object]) -> tuple[int, int]:
    """Of run_in_threads' results: how many workers went through and how many the plan
    refused (PlanLimitReached); any other error fails the test."""
    failed = [
        r for r in results if isinstance(r, Exception) and not isinstance(r, PlanLimitReached)
    ]
    assert not failed, results
    ok = sum(not isinstance(r, Exception) for r in results)
    return ok, sum(isinstance(r, PlanLimitReached) for r in results)

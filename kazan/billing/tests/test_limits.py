"""The entitlements billing answers: limits of kept things, monthly quotas, capabilities,
staff's overrides and a suspended subscription (decision 0033)."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.billing.models import PlanChange, PlanSubscription, UsageCounter
from kazan.billing.queries.limits import downgrade_blockers, plan_usage, quota_used
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.limits import plan_overrides_set
from kazan.billing.testing import limits_give, subscription_status_set
from kazan.core import entitlements
from kazan.core.entitlements import (
    Capability,
    Limit,
    PlanFeatureUnavailable,
    PlanLimitReached,
    Quota,
    SubscriptionInactive,
)
from kazan.core.errors import ValidationFailed


@pytest.fixture
def counted(business):
    """A fake count of FAQs (the real counter is faq's; here the test says how many)."""
    have = {"n": 0}
    previous = entitlements._counters.get(Limit.FAQS)
    entitlements.usage_counter_register(Limit.FAQS, lambda _business: have["n"])
    yield have
    if previous is not None:
        entitlements.usage_counter_register(Limit.FAQS, previous)


@pytest.mark.django_db
def test_a_new_business_gets_its_trial_plans_limits(business):
    assert entitlements.plan_limit(business=business, key=Limit.FAQS) == 500  # professional
    assert entitlements.plan_has(business=business, key=Capability.API_ACCESS) in (True, False)


@pytest.mark.django_db
def test_plan_allows_under_the_limit_and_refuses_at_it(business, counted):
    limits_give(business, faqs=3)
    counted["n"] = 2
    entitlements.plan_allows(business=business, key=Limit.FAQS)
    counted["n"] = 3
    with pytest.raises(PlanLimitReached) as refused:
        entitlements.plan_allows(business=business, key=Limit.FAQS)
    error = refused.value
    assert error.code == "plan_limit_reached" and error.status == 402
    assert error.key == "faqs" and error.limit == 3
    assert str(error.message) == "Your plan allows 3 FAQs. Upgrade your plan to add more."
    assert error.upgrade_url.startswith("http") and "/dashboard/billing/" in error.upgrade_url
    with pytest.raises(PlanLimitReached):
        entitlements.plan_allows(business=business, key=Limit.FAQS, adding=2)


@pytest.mark.django_db
def test_an_unlimited_override_allows_anything(business, counted):
    limits_give(business, faqs=None)
    counted["n"] = 10**6
    entitlements.plan_allows(business=business, key=Limit.FAQS, adding=5)
    assert entitlements.plan_limit(business=business, key=Limit.FAQS) is None


@pytest.mark.django_db
def test_quota_take_counts_to_the_limit_and_then_refuses_counting_nothing(business):
    limits_give(business, ai_messages=3)
    for _ in range(3):
        entitlements.quota_take(business=business, key=Quota.AI_MESSAGES)
    with pytest.raises(PlanLimitReached) as refused:
        entitlements.quota_take(business=business, key=Quota.AI_MESSAGES)
    assert refused.value.limit == 3 and refused.value.key == "ai_messages"
    assert "3 AI answers a month" in str(refused.value.message)
    assert quota_used(business=business, key=Quota.AI_MESSAGES) == 3
    with pytest.raises(PlanLimitReached):
        entitlements.quota_take(business=business, key=Quota.MESSAGES, amount=10**9)
    assert not UsageCounter.objects.filter(business=business, quota="messages").exists()


@pytest.mark.django_db
def test_quota_counts_per_month_of_the_business_and_per_business(business, other_business):
    limits_give(business, messages=1)
    entitlements.quota_take(business=business, key=Quota.MESSAGES)
    entitlements.quota_take(business=other_business, key=Quota.MESSAGES)
    UsageCounter.objects.filter(business=business).update(period="2000-01")
    entitlements.quota_take(business=business, key=Quota.MESSAGES)  # a new month
    assert UsageCounter.objects.filter(business=business).count() == 2


@pytest.mark.django_db
def test_an_unlimited_quota_still_counts(business):
    limits_give(business, messages=None)
    entitlements.quota_take(business=business, key=Quota.MESSAGES, amount=7)
    assert quota_used(business=business, key=Quota.MESSAGES) == 7
    with pytest.raises(ValidationFailed):
        entitlements.quota_take(business=business, key=Quota.MESSAGES, amount=0)


@pytest.mark.django_db
def test_capabilities_follow_the_plan_and_overrides(business):
    limits_give(business, api_access=False)
    assert not entitlements.plan_has(business=business, key=Capability.API_ACCESS)
    with pytest.raises(PlanFeatureUnavailable) as refused:
        entitlements.plan_require(business=business, key=Capability.API_ACCESS)
    assert refused.value.status == 403 and refused.value.code == "plan_feature_unavailable"
    assert "API access" in str(refused.value.message)
    limits_give(business, api_access=True)
    entitlements.plan_require(business=business, key=Capability.API_ACCESS)


@pytest.mark.django_db
def test_analytics_since_is_the_plans_days_back(business):
    limits_give(business, analytics_days=30)
    since = entitlements.analytics_since(business=business)
    assert abs(since - (timezone.now() - dt.timedelta(days=30))) < dt.timedelta(minutes=1)
    limits_give(business, analytics_days=None)
    assert entitlements.analytics_since(business=business) is None


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["suspended", "cancelled"])
def test_a_suspended_or_ended_subscription_allows_nothing(business, counted, status):
    subscription_status_set(business, status)
    with pytest.raises(SubscriptionInactive) as refused:
        entitlements.plan_allows(business=business, key=Limit.FAQS)
    assert refused.value.status == 402 and refused.value.code == "subscription_inactive"
    with pytest.raises(SubscriptionInactive):
        entitlements.quota_take(business=business, key=Quota.MESSAGES)
    with pytest.raises(SubscriptionInactive):
        entitlements.subscription_require_active(business=business)
    assert not entitlements.plan_has(business=business, key=Capability.WHITE_LABEL)


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["trialing", "active", "past_due"])
def test_usable_statuses_allow(business, counted, status):
    subscription_status_set(business, status)
    entitlements.plan_allows(business=business, key=Limit.FAQS)
    entitlements.subscription_require_active(business=business)


@pytest.mark.django_db
def test_staff_overrides_win_and_are_logged(business, staff_user, counted):
    counted["n"] = 50
    plan_overrides_set(
        business=business,
        overrides={"faqs": 60, "api_access": True},
        reason="contract",
        actor=staff_user,
    )
    assert entitlements.plan_limit(business=business, key=Limit.FAQS) == 60
    assert entitlements.plan_has(business=business, key=Capability.API_ACCESS)
    change = PlanChange.objects.get(business=business, kind="terms_changed")
    assert change.changed_by == staff_user and change.reason == "contract"
    assert '"faqs": 60' in change.new_value
    entry = Activity.objects.get(business=business, action="plan.limits_changed")
    assert entry.data["new"] == {"faqs": 60, "api_access": True}
    plan_overrides_set(business=business, overrides={}, reason="back to the plan", actor=staff_user)
    assert entitlements.plan_limit(business=business, key=Limit.FAQS) == 500


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides",
    [
        {"faqs": -1},
        {"faqs": "many"},
        {"nope": 1},
        {"api_access": 1},
        {"faqs": 10**12},
        {"analytics_days": 0},  # would delete all analytics history
    ],
)
def test_bad_overrides_are_refused(business, staff_user, overrides):
    with pytest.raises(ValidationFailed):
        plan_overrides_set(business=business, overrides=overrides, reason="x", actor=staff_user)


@pytest.mark.django_db
def test_overrides_need_a_reason(business, staff_user):
    with pytest.raises(ValidationFailed):
        plan_overrides_set(business=business, overrides={"faqs": 1}, reason=" ", actor=staff_user)


@pytest.mark.django_db
def test_plan_usage_lists_every_limit_and_quota(business, counted):
    limits_give(business, faqs=10, messages=100)
    counted["n"] = 4
    entitlements.quota_take(business=business, key=Quota.MESSAGES, amount=5)
    usage = {each.key: each for each in plan_usage(business=business)}
    assert set(usage) == {*Limit, *Quota}
    assert (usage["faqs"].used, usage["faqs"].limit) == (4, 10)
    assert (usage["messages"].used, usage["messages"].limit) == (5, 100)


@pytest.mark.django_db
def test_downgrade_blockers_name_what_exceeds_the_lower_plan(business, counted):
    counted["n"] = 51
    basic = plan_by_key(key="basic")
    blockers = downgrade_blockers(business=business, plan=basic)
    assert [(each.key, each.used, each.limit) for each in blockers] == [("faqs", 51, 50)]
    counted["n"] = 50
    assert downgrade_blockers(business=business, plan=basic) == []


@pytest.mark.django_db
def test_read_only_questions_start_no_trial(business):
    """A landing-page visit or the nightly purge asks about a business from before plans: the
    trial plan's terms answer, and nothing is written (its trial would run out unasked)."""
    assert not PlanSubscription.objects.filter(business=business).exists()
    trial = plan_by_key(key=settings.BILLING_TRIAL_PLAN)
    assert entitlements.plan_limit(business=business, key=Limit.FAQS) == trial.faq_limit
    assert entitlements.plan_has(business=business, key=Capability.API_ACCESS) == bool(
        trial.api_access
    )
    since = entitlements.analytics_since(business=business)
    assert (since is None) == (trial.analytics_days is None)
    entitlements.subscription_require_active(business=business)
    if trial.api_access:
        entitlements.plan_require(business=business, key=Capability.API_ACCESS)
    assert not entitlements.plan_subscribed(business=business)
    assert not PlanSubscription.objects.filter(business=business).exists()
    assert not PlanChange.objects.filter(business=business).exists()
    entitlements.quota_take(business=business, key=Quota.MESSAGES)  # a write starts it
    assert entitlements.plan_subscribed(business=business)


@pytest.mark.django_db
def test_a_refused_quota_take_tries_no_insert(business):
    limits_give(business, messages=1)
    entitlements.quota_take(business=business, key=Quota.MESSAGES)
    with CaptureQueriesContext(connection) as queries, pytest.raises(PlanLimitReached):
        entitlements.quota_take(business=business, key=Quota.MESSAGES)
    assert not [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]


@pytest.mark.django_db
def test_quota_give_back_returns_what_was_taken_never_below_zero(business):
    entitlements.quota_take(business=business, key=Quota.MESSAGES, amount=2)
    entitlements.quota_give_back(business=business, key=Quota.MESSAGES)
    assert quota_used(business=business, key=Quota.MESSAGES) == 1
    entitlements.quota_give_back(business=business, key=Quota.MESSAGES, amount=5)
    assert quota_used(business=business, key=Quota.MESSAGES) == 1

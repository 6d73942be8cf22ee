"""The limits staff set per business before plans existed move into the business's plan
subscription (limit_overrides: "faqs" from faq's FaqSettings, "products" from commerce's
CommerceSettings.product_limit), and the agent's monthly AI message counts into UsageCounter
("ai_messages", period "YYYY-MM"). faq, commerce and agent drop their tables and columns after
this (decision 0033). A business without a plan subscription gets its trial, as
plan_subscription_for would make it."""

import datetime as dt

from django.conf import settings
from django.db import migrations
from django.utils import timezone


def _subscription(apps, business_id, now):
    PlanSubscription = apps.get_model("billing", "PlanSubscription")
    PlanChange = apps.get_model("billing", "PlanChange")
    Plan = apps.get_model("billing", "Plan")
    found = PlanSubscription.objects.filter(business_id=business_id).first()
    if found is not None:
        return found
    plan = Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).first() or Plan.objects.first()
    subscription = PlanSubscription.objects.create(
        business_id=business_id,
        plan=plan,
        status="trialing",
        trial_ends_at=now + dt.timedelta(days=settings.BILLING_TRIAL_DAYS),
    )
    PlanChange.objects.create(
        business_id=business_id,
        subscription=subscription,
        kind="trial_started",
        new_value=plan.key,
        reason="limits moved to plans",
        changed_at=now,
    )
    return subscription


def _override(apps, business_id, key, value, was, now):
    PlanChange = apps.get_model("billing", "PlanChange")
    subscription = _subscription(apps, business_id, now)
    before = dict(subscription.limit_overrides or {})
    subscription.limit_overrides = {**before, key: value}
    subscription.save(update_fields=["limit_overrides"])
    PlanChange.objects.create(
        business_id=business_id,
        subscription=subscription,
        kind="terms_changed",
        old_value=str(before)[:200],
        new_value=str(subscription.limit_overrides)[:200],
        reason=f"moved from the console's {was}",
        changed_at=now,
    )


def forwards(apps, schema_editor):
    now = timezone.now()
    FaqSettings = apps.get_model("faq", "FaqSettings")
    CommerceSettings = apps.get_model("commerce", "CommerceSettings")
    AgentUsage = apps.get_model("agent", "AgentUsage")
    UsageCounter = apps.get_model("billing", "UsageCounter")
    for business_id, limit in FaqSettings.objects.values_list("business_id", "faq_limit"):
        _override(apps, business_id, "faqs", limit, "FAQ limit", now)
    own = CommerceSettings.objects.filter(product_limit__isnull=False)
    for business_id, limit in own.values_list("business_id", "product_limit"):
        _override(apps, business_id, "products", limit, "product limit", now)
    for usage in AgentUsage.objects.all().iterator():
        period = usage.month.strftime("%Y-%m")
        counter, _created = UsageCounter.objects.get_or_create(
            business_id=usage.business_id, quota="ai_messages", period=period
        )
        counter.used = max(counter.used, usage.ai_messages)
        counter.save(update_fields=["used"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0008_seed_plans"),
        ("faq", "0001_faqs_synonyms_limit_questions"),
        ("commerce", "0003_queue_rank_unique"),
        ("agent", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]

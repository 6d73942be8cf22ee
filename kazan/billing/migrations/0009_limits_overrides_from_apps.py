"""The limits staff set per business before plans existed move into the business's plan
subscription (limit_overrides: "faqs" from faq's FaqSettings, "products" from commerce's
CommerceSettings.product_limit), and the agent's monthly AI message counts into UsageCounter
("ai_messages", period "YYYY-MM"). faq, commerce and agent drop their tables and columns after
this (decision 0033). A business without a plan subscription gets its trial, as
plan_subscription_for would make it.

A business that followed the old defaults (200 FAQs, 1,000 products) and has more FAQs or
products than its plan now allows gets an override of max(what it has, the old default), so
nobody is over a limit on the day plans arrive."""

import datetime as dt
import os

from django.conf import settings
from django.db import migrations
from django.db.models import Count
from django.utils import timezone

# The limits before plans, for a business staff had not given its own (the settings
# FAQ_LIMIT_DEFAULT and COMMERCE_PRODUCT_LIMIT, from these environment variables).
OLD_FAQ_DEFAULT = int(os.environ.get("KAZAN_FAQ_LIMIT_DEFAULT", "200"))
OLD_PRODUCT_DEFAULT = int(os.environ.get("KAZAN_COMMERCE_PRODUCT_LIMIT", "1000"))


def _subscription(apps, business_id, now):
    PlanSubscription = apps.get_model("billing", "PlanSubscription")
    PlanChange = apps.get_model("billing", "PlanChange")
    Plan = apps.get_model("billing", "Plan")
    found = PlanSubscription.objects.filter(business_id=business_id).first()
    if found is not None:
        return found
    plan = Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).first()
    if plan is None:
        raise LookupError(f"The trial plan {settings.BILLING_TRIAL_PLAN!r} does not exist.")
    Business = apps.get_model("tenancy", "Business")
    currency = Business.objects.filter(pk=business_id).values_list("currency", flat=True).first()
    subscription = PlanSubscription.objects.create(
        business_id=business_id,
        plan=plan,
        status="trialing",
        currency=currency or "EUR",
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


def _limit_now(apps, business_id, key, field):
    """The business's limit for `key` (its override, else its plan's; the trial plan's before
    it has a subscription). None: unlimited."""
    PlanSubscription = apps.get_model("billing", "PlanSubscription")
    Plan = apps.get_model("billing", "Plan")
    found = PlanSubscription.objects.filter(business_id=business_id).select_related("plan").first()
    if found is not None and key in (found.limit_overrides or {}):
        return found.limit_overrides[key]
    plan = (
        found.plan
        if found is not None
        else Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).first()
    )
    return getattr(plan, field) if plan is not None else None


def _old_defaults_kept(apps, model, key, field, old, skip, now):
    """Overrides for the businesses on the old default that have more than their plan allows."""
    counts = model.objects.values("business_id").annotate(n=Count("pk")).order_by("business_id")
    for row in counts:
        business_id, count = row["business_id"], row["n"]
        if business_id in skip:
            continue
        limit = _limit_now(apps, business_id, key, field)
        if limit is not None and count > limit:
            _override(apps, business_id, key, max(count, old), "default limit", now)


def forwards(apps, schema_editor):
    now = timezone.now()
    FaqSettings = apps.get_model("faq", "FaqSettings")
    CommerceSettings = apps.get_model("commerce", "CommerceSettings")
    AgentUsage = apps.get_model("agent", "AgentUsage")
    UsageCounter = apps.get_model("billing", "UsageCounter")
    own_faqs = dict(FaqSettings.objects.values_list("business_id", "faq_limit"))
    for business_id, limit in own_faqs.items():
        _override(apps, business_id, "faqs", limit, "FAQ limit", now)
    own = CommerceSettings.objects.filter(product_limit__isnull=False)
    own_products = dict(own.values_list("business_id", "product_limit"))
    for business_id, limit in own_products.items():
        _override(apps, business_id, "products", limit, "product limit", now)
    Faq = apps.get_model("faq", "Faq")
    Product = apps.get_model("commerce", "Product")
    _old_defaults_kept(apps, Faq, "faqs", "faq_limit", OLD_FAQ_DEFAULT, own_faqs, now)
    _old_defaults_kept(
        apps, Product, "products", "products_limit", OLD_PRODUCT_DEFAULT, own_products, now
    )
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

"""Migration 0009 (decision 0033): a business that followed the old default limits (200 FAQs,
1,000 products) and has more than its plan now allows gets an override, so nobody is over a
limit on the day plans arrive; the trial it starts is in the business's currency, and a missing
trial plan stops the migration."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from kazan.billing.models import Plan, PlanSubscription
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db

migration = importlib.import_module("kazan.billing.migrations.0009_limits_overrides_from_apps")
Faq = apps.get_model("faq", "Faq")


def faq_make(business):
    """An FAQ written before plans (faq's service would start the trial)."""
    n = Faq.objects.filter(business=business).count()
    Faq.objects.create(business=business, question=f"Q{n}?", answer="A.", language="en")


def _kept(skip=()):
    migration._old_defaults_kept(
        apps,
        Faq,
        "faqs",
        "faq_limit",
        migration.OLD_FAQ_DEFAULT,
        dict.fromkeys(skip),
        timezone.now(),
    )


def test_a_business_over_its_plan_keeps_the_old_default(business, other_business, settings):
    Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).update(faq_limit=2)
    Business.objects.filter(pk=business.pk).update(currency="USD")
    for _ in range(3):
        faq_make(business)
    faq_make(other_business)  # under the limit: follows its plan
    _kept()
    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.limit_overrides == {"faqs": migration.OLD_FAQ_DEFAULT}
    assert subscription.currency == "USD" and subscription.status == "trialing"
    assert not PlanSubscription.objects.filter(business=other_business).exists()


def test_more_than_the_old_default_keeps_what_it_has(business, settings, monkeypatch):
    monkeypatch.setattr(migration, "OLD_FAQ_DEFAULT", 2)
    Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).update(faq_limit=1)
    for _ in range(3):
        faq_make(business)
    _kept()
    assert PlanSubscription.objects.get(business=business).limit_overrides == {"faqs": 3}


def test_a_business_with_its_own_limit_is_left_to_it(business, settings):
    Plan.objects.filter(key=settings.BILLING_TRIAL_PLAN).update(faq_limit=1)
    faq_make(business)
    faq_make(business)
    _kept(skip=[business.pk])
    assert not PlanSubscription.objects.filter(business=business).exists()


def test_a_missing_trial_plan_stops_the_migration(business, settings):
    settings.BILLING_TRIAL_PLAN = "no-such-plan"
    with pytest.raises(LookupError):
        migration._subscription(apps, business.pk, timezone.now())

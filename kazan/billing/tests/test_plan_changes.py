# ruff: noqa: F811 (the fake gateway fixture is imported by name)
"""Changing plan: an upgrade now with proration (computed here for transfers and gateways that
do not prorate; Stripe's own otherwise), a downgrade at the period's end refused while usage is
above the lower plan's limits, and withdrawing it (decision 0034)."""

import datetime as dt

import pytest

from kazan.billing.models import GatewayPlanPrice, PlanChange, PlanSubscription
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.manual_plans import invoice_payment_confirm
from kazan.billing.services.plan_changes import plan_change, plan_change_withdraw
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.tests.plan_fakes import event, fake_gateway, subscribe  # noqa: F401
from kazan.billing.tests.test_plan_manual import manual_active
from kazan.core import entitlements
from kazan.core.entitlements import Limit
from kazan.core.errors import Conflict, ValidationFailed

START = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def faqs(business):
    """The business's FAQ count, as the test says (faq's own counter is tested there)."""
    have = {"n": 0}
    previous = entitlements._counters.get(Limit.FAQS)
    entitlements.usage_counter_register(Limit.FAQS, lambda _business: have["n"])
    yield have
    if previous is None:
        entitlements._counters.pop(Limit.FAQS, None)
    else:
        entitlements.usage_counter_register(Limit.FAQS, previous)


def test_an_upgrade_by_transfer_invoices_the_proration_by_seconds(
    business, owner, staff_user, time_machine
):
    # Basic (49.00 net) paid 1 Jan for the 31 days to 1 Feb; on 22 Jan, 10 days are left.
    time_machine.move_to(START, tick=False)
    manual_active(business, owner, staff_user)
    time_machine.move_to(dt.datetime(2026, 1, 22, tzinfo=dt.UTC), tick=False)

    result = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )

    assert result.outcome == "upgraded"
    lines = sorted(result.invoice.lines.values_list("amount_minor", flat=True))
    # Credit 4900 × 10/31 = 1580.65 → 1581; charge 14900 × 10/31 = 4806.45 → 4806.
    assert lines == [-1581, 4806]
    assert result.invoice.subtotal_minor == 3225
    assert result.invoice.status == "open"
    subscription = PlanSubscription.objects.get(business=business)
    assert (subscription.plan.key, subscription.amount_minor) == ("professional", 14900)
    assert subscription.current_period_end == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    # Paying it keeps the period as it is.
    invoice_payment_confirm(invoice=result.invoice, actor=staff_user)
    subscription.refresh_from_db()
    assert subscription.current_period_end == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)
    assert subscription.status == "active"


def test_a_gateway_that_prorates_is_told_to_change_now_and_invoices_by_webhook(
    business, owner, fake_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    subscribe(business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine)
    fake_gateway.prorates = True

    result = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )

    assert (result.outcome, result.invoice) == ("upgraded", None)
    change = [call for name, call in fake_gateway.calls if name == "change"][-1]
    assert change["immediately"] is True
    price = GatewayPlanPrice.objects.get(external_id=change["price_id"])
    assert price.plan_price.plan.key == "professional"
    assert PlanSubscription.objects.get(business=business).plan.key == "professional"


def test_a_downgrade_is_refused_naming_what_is_over_the_lower_plans_limit(
    business, owner, fake_gateway, time_machine, faqs
):
    time_machine.move_to(START, tick=False)
    subscribe(
        business=business,
        owner=owner,
        fake_gateway=fake_gateway,
        time_machine=time_machine,
        plan="professional",
    )
    faqs["n"] = 60  # Basic allows 50

    with pytest.raises(ValidationFailed) as refused:
        plan_change(business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner)

    assert refused.value.code == "downgrade_blocked"
    assert "FAQs: 60 (allowed: 50)" in str(refused.value.message)
    assert PlanSubscription.objects.get(business=business).pending_plan is None


def test_a_downgrade_that_fits_waits_for_the_period_end(
    business, owner, fake_gateway, time_machine, faqs
):
    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business,
        owner=owner,
        fake_gateway=fake_gateway,
        time_machine=time_machine,
        plan="professional",
    )
    faqs["n"] = 40
    basic = plan_by_key(key="basic")

    result = plan_change(business=business, plan=basic, interval="month", actor=owner)

    assert (result.outcome, result.effective_at) == (
        "downgrade_scheduled",
        subscription.current_period_end,
    )
    change = [call for name, call in fake_gateway.calls if name == "change"][-1]
    assert change["immediately"] is False
    subscription.refresh_from_db()
    assert (subscription.plan.key, subscription.pending_plan.key) == ("professional", "basic")
    # The gateway already names the lower price: still the higher plan until the period ends.
    subscription_event_apply(
        event=event(
            "subscription",
            subscription=subscription,
            status="active",
            price_id=change["price_id"],
            current_period_start=subscription.current_period_start,
            current_period_end=subscription.current_period_end,
        )
    )
    assert PlanSubscription.objects.get(pk=subscription.pk).plan.key == "professional"

    end = subscription.current_period_end
    time_machine.move_to(end, tick=False)
    subscription_event_apply(
        event=event(
            "subscription",
            subscription=subscription,
            status="active",
            price_id=change["price_id"],
            current_period_start=end,
            current_period_end=end + dt.timedelta(days=31),
        )
    )
    subscription.refresh_from_db()
    assert (subscription.plan.key, subscription.pending_plan) == ("basic", None)
    assert subscription.amount_minor == 4900
    assert PlanChange.objects.filter(subscription=subscription, kind="downgraded").count() == 1


def test_a_scheduled_downgrade_can_be_withdrawn(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    subscribe(
        business=business,
        owner=owner,
        fake_gateway=fake_gateway,
        time_machine=time_machine,
        plan="professional",
    )
    plan_change(business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner)

    plan_change_withdraw(business=business, actor=owner)

    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.pending_plan is None
    change = [call for name, call in fake_gateway.calls if name == "change"][-1]
    assert GatewayPlanPrice.objects.get(external_id=change["price_id"]).plan_price.plan.key == (
        "professional"
    )
    with pytest.raises(Conflict):
        plan_change_withdraw(business=business, actor=owner)


def test_a_change_needs_a_paid_plan_and_another_plan(business, owner, staff_user, time_machine):
    time_machine.move_to(START, tick=False)
    with pytest.raises(Conflict) as refused:
        plan_change(business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner)
    assert refused.value.code == "not_subscribed"
    manual_active(business, owner, staff_user)
    with pytest.raises(ValidationFailed) as same:
        plan_change(business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner)
    assert same.value.code == "same_plan"


def test_monthly_to_yearly_credits_the_unused_month_and_starts_a_year(
    business, owner, staff_user, time_machine
):
    time_machine.move_to(START, tick=False)
    manual_active(business, owner, staff_user)
    now = dt.datetime(2026, 1, 22, tzinfo=dt.UTC)
    time_machine.move_to(now, tick=False)

    result = plan_change(
        business=business, plan=plan_by_key(key="basic"), interval="year", actor=owner
    )

    # Credit 4900 × 10/31 → 1581; the year (ten months' price: 49000) charged whole from now.
    assert sorted(result.invoice.lines.values_list("amount_minor", flat=True)) == [-1581, 49000]
    subscription = PlanSubscription.objects.get(business=business)
    assert (subscription.interval, subscription.amount_minor) == ("year", 49000)
    assert (subscription.current_period_start, subscription.current_period_end) == (
        now,
        dt.datetime(2027, 1, 22, tzinfo=dt.UTC),
    )


def test_a_transfer_paid_downgrade_is_invoiced_at_the_lower_price_and_applied_when_paid(
    business, owner, staff_user, time_machine
):
    from kazan.billing.models import Invoice
    from kazan.billing.services.manual_plans import plan_renewals_run

    time_machine.move_to(START, tick=False)
    subscription = manual_active(business, owner, staff_user)
    upgrade = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )
    invoice_payment_confirm(invoice=upgrade.invoice, actor=staff_user)
    plan_change(business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner)
    end = subscription.current_period_end

    time_machine.move_to(end - dt.timedelta(days=7), tick=False)
    assert plan_renewals_run() == 1
    renewal = Invoice.objects.get(subscription=subscription, period_start=end)
    assert renewal.subtotal_minor == 4900  # the lower plan's price
    assert PlanSubscription.objects.get(pk=subscription.pk).plan.key == "professional"

    invoice_payment_confirm(invoice=renewal, actor=staff_user)
    subscription.refresh_from_db()
    assert (subscription.plan.key, subscription.pending_plan) == ("basic", None)
    assert PlanChange.objects.filter(subscription=subscription, kind="downgraded").count() == 1


def test_an_unpaid_upgrade_invoice_past_its_due_date_makes_the_plan_past_due_once(
    business, owner, staff_user, time_machine
):
    from kazan.billing.services.manual_plans import plan_renewals_run

    time_machine.move_to(START, tick=False)
    manual_active(business, owner, staff_user)
    time_machine.move_to(dt.datetime(2026, 1, 5, tzinfo=dt.UTC), tick=False)
    upgrade = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )
    due = upgrade.invoice.due_at
    assert plan_renewals_run() == 0
    time_machine.move_to(due + dt.timedelta(hours=1), tick=False)
    assert plan_renewals_run() == 1
    subscription = PlanSubscription.objects.get(business=business)
    assert (subscription.status, subscription.past_due_since) == ("past_due", due)
    assert plan_renewals_run() == 0
    assert PlanChange.objects.filter(subscription=subscription, kind="past_due").count() == 1
    invoice_payment_confirm(invoice=upgrade.invoice, actor=staff_user)
    assert PlanSubscription.objects.get(business=business).status == "active"


def test_a_plan_change_reissues_the_open_renewal_invoice_at_the_new_price(
    business, owner, staff_user, time_machine
):
    from kazan.billing.models import Invoice
    from kazan.billing.services.manual_plans import plan_renewals_run

    time_machine.move_to(START, tick=False)
    subscription = manual_active(business, owner, staff_user)
    end = subscription.current_period_end
    time_machine.move_to(end - dt.timedelta(days=5), tick=False)
    assert plan_renewals_run() == 1
    first = Invoice.objects.get(subscription=subscription, period_start=end, kind="invoice")
    assert first.subtotal_minor == 4900

    plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )
    first.refresh_from_db()
    assert first.status == "void"
    assert first.credit_notes.get().total_minor == -first.total_minor
    second = Invoice.objects.get(
        subscription=subscription, period_start=end, kind="invoice", status="open"
    )
    assert second.subtotal_minor == 14900

    # A downgrade scheduled for the period's end: the renewal asks the lower price.
    result = plan_change(
        business=business, plan=plan_by_key(key="basic"), interval="month", actor=owner
    )
    second.refresh_from_db()
    assert second.status == "void"
    assert result.invoice.subtotal_minor == 4900
    assert result.invoice.period_start == end
    assert (
        Invoice.objects.filter(
            subscription=subscription, period_start=end, kind="invoice", status="open"
        ).count()
        == 1
    )


def test_a_change_to_a_shorter_interval_waits_for_the_period_end(
    business, owner, staff_user, time_machine
):
    time_machine.move_to(START, tick=False)
    manual_active(business, owner, staff_user)
    yearly = plan_change(
        business=business, plan=plan_by_key(key="basic"), interval="year", actor=owner
    )
    invoice_payment_confirm(invoice=yearly.invoice, actor=staff_user)
    year_end = PlanSubscription.objects.get(business=business).current_period_end

    time_machine.move_to(dt.datetime(2026, 2, 1, tzinfo=dt.UTC), tick=False)
    # A higher plan, but monthly: now, eleven paid months would buy one month.
    result = plan_change(
        business=business, plan=plan_by_key(key="professional"), interval="month", actor=owner
    )
    assert result.outcome == "downgrade_scheduled"
    assert result.effective_at == year_end
    assert "shorter interval waits for the period's end" in result.message
    subscription = PlanSubscription.objects.get(business=business)
    assert (subscription.plan.key, subscription.interval) == ("basic", "year")
    assert (subscription.pending_plan.key, subscription.pending_price.interval) == (
        "professional",
        "month",
    )


def test_a_new_tax_moves_the_gateways_price_from_the_next_period(
    business, owner, fake_gateway, time_machine, monkeypatch
):
    from kazan.billing.gateways import GatewayError
    from kazan.billing.models import BillingProfile
    from kazan.billing.services.billing_profiles import billing_profile_save

    time_machine.move_to(START, tick=False)
    request, _subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    assert request.amount_minor == 5831  # 4900 net + 19 % (DE)
    data = {"legal_name": "Buyer SARL", "address_line1": "Rue 1", "city": "Paris"}
    # Another EU business with a valid VAT id: the reverse charge, no VAT.
    saved = billing_profile_save(
        business=business, data={**data, "country": "FR", "vat_id": "FR40303265045"}, actor=owner
    )
    assert saved.warning == ""
    changes = [kwargs for name, kwargs in fake_gateway.calls if name == "change"]
    assert [(c["price_id"], c["immediately"]) for c in changes] == [
        ("price_basic_month_4900", False)
    ]

    def refuse(self, **kwargs):
        raise GatewayError("no", code="declined")

    monkeypatch.setattr(fake_gateway, "subscription_change", refuse)
    saved = billing_profile_save(
        business=business, data={**data, "country": "FR", "vat_id": ""}, actor=owner
    )
    assert "payment provider did not take the new tax" in saved.warning
    assert BillingProfile.objects.get(business=business).vat_id == ""  # saved all the same
    # Nothing about the tax changed: the gateway is not asked.
    saved = billing_profile_save(
        business=business,
        data={**data, "country": "FR", "vat_id": "", "email": "a@b.fr"},
        actor=owner,
    )
    assert saved.warning == ""

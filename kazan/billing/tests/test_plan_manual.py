"""Plans paid by bank transfer: the open invoice with the platform's reference, staff's
confirmation, renewals invoiced ahead, an unpaid period past due, a trial ended without a plan,
and staff's custom terms (decision 0034)."""

import datetime as dt

import pytest

from kazan.billing.models import Invoice, Payment, PlanChange, PlanSubscription
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.manual_plans import invoice_payment_confirm, plan_renewals_run
from kazan.billing.services.payments import payment_confirm
from kazan.billing.services.plan_changes import subscription_terms_set
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_checkout_start,
)
from kazan.billing.services.tax import gross_for
from kazan.core.errors import Conflict, PermissionDenied, ValidationFailed

START = dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def _transfer_started(business, owner, plan="basic"):
    return subscription_checkout_start(
        business=business,
        plan=plan_by_key(key=plan),
        interval="month",
        gateway_key="manual",
        actor=owner,
    )


def manual_active(business, owner, staff_user) -> PlanSubscription:
    """Basic paid by transfer, confirmed now: one month from now."""
    started = _transfer_started(business, owner)
    invoice_payment_confirm(invoice=started.invoice, actor=staff_user)
    return PlanSubscription.objects.get(business=business)


def test_a_transfer_is_an_open_invoice_until_staff_confirm_it(
    business, owner, staff_user, time_machine
):
    time_machine.move_to(START, tick=False)
    started = _transfer_started(business, owner)
    invoice = started.invoice
    assert started.redirect_url == ""
    assert invoice.status == "open"
    assert invoice.total_minor == gross_for(business=business, net_minor=4900)
    assert invoice.payment_reference  # what the payer writes on the transfer
    subscription = plan_subscription_for(business)
    assert subscription.status == "trialing"  # not before the money arrives
    assert subscription.pending_plan.key == "basic"
    # Asking again returns the same invoice; another plan waits for it.
    assert _transfer_started(business, owner).invoice == invoice
    with pytest.raises(Conflict) as refused:
        _transfer_started(business, owner, plan="professional")
    assert refused.value.code == "open_invoice"
    with pytest.raises(PermissionDenied):
        invoice_payment_confirm(invoice=invoice, actor=owner)

    payment = invoice_payment_confirm(invoice=invoice, actor=staff_user)
    assert (payment.status, payment.invoice_id, payment.package) == ("paid", invoice.pk, None)
    assert invoice_payment_confirm(invoice=invoice, actor=staff_user) == payment  # twice: once
    invoice.refresh_from_db()
    subscription.refresh_from_db()
    assert invoice.status == "paid"
    assert (subscription.status, subscription.plan.key, subscription.gateway) == (
        "active",
        "basic",
        "manual",
    )
    assert subscription.pending_plan is None
    assert (subscription.current_period_start, subscription.current_period_end) == (
        START,
        dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_the_existing_confirm_of_a_payment_settles_a_plan_invoice(
    business, owner, staff_user, time_machine
):
    time_machine.move_to(START, tick=False)
    invoice = _transfer_started(business, owner).invoice
    payment = Payment.objects.get(invoice=invoice, status="pending")
    payment_confirm(payment=payment, actor=staff_user)  # no TypeError for plan payments
    assert PlanSubscription.objects.get(business=business).status == "active"


def test_a_renewal_is_invoiced_ahead_past_due_when_unpaid_and_active_again_when_paid(
    business, owner, staff_user, time_machine
):
    time_machine.move_to(START, tick=False)
    subscription = manual_active(business, owner, staff_user)
    end = subscription.current_period_end
    time_machine.move_to(end - dt.timedelta(days=8), tick=False)
    assert plan_renewals_run() == 0
    time_machine.move_to(end - dt.timedelta(days=7), tick=False)
    assert plan_renewals_run() == 1
    assert plan_renewals_run() == 0  # once per period
    renewal = Invoice.objects.get(subscription=subscription, period_start=end)
    assert (renewal.status, renewal.due_at) == ("open", end)
    assert renewal.period_end == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)

    time_machine.move_to(end + dt.timedelta(hours=1), tick=False)
    assert plan_renewals_run() == 1
    subscription.refresh_from_db()
    assert (subscription.status, subscription.past_due_since) == ("past_due", end)

    invoice_payment_confirm(invoice=renewal, actor=staff_user)
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_end == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    kinds = list(
        PlanChange.objects.filter(subscription=subscription)
        .order_by("changed_at", "id")
        .values_list("kind", flat=True)
    )
    assert kinds == ["trial_started", "subscribed", "past_due", "renewed", "reactivated"]


def test_a_trial_ended_without_a_paid_plan_is_past_due(business, time_machine):
    time_machine.move_to(START, tick=False)
    subscription = plan_subscription_for(business)
    assert plan_renewals_run() == 0
    time_machine.move_to(subscription.trial_ends_at + dt.timedelta(minutes=1), tick=False)
    assert plan_renewals_run() == 1
    assert plan_renewals_run() == 0
    subscription.refresh_from_db()
    assert (subscription.status, subscription.past_due_since) == (
        "past_due",
        subscription.trial_ends_at,
    )


def test_staff_give_custom_terms_invoiced_by_transfer(business, owner, staff_user, time_machine):
    time_machine.move_to(START, tick=False)
    enterprise = plan_by_key(key="enterprise")
    with pytest.raises(PermissionDenied):
        subscription_terms_set(
            business=business,
            plan=enterprise,
            amount_minor=50000,
            currency="EUR",
            interval="year",
            actor=owner,
            reason="contract",
        )
    with pytest.raises(ValidationFailed):
        subscription_terms_set(
            business=business,
            plan=enterprise,
            amount_minor=-1,
            currency="EUR",
            interval="year",
            actor=staff_user,
            reason="contract",
        )
    subscription = subscription_terms_set(
        business=business,
        plan=enterprise,
        amount_minor=50000,
        currency="EUR",
        interval="year",
        actor=staff_user,
        reason="contract 2026-001",
    )
    assert (subscription.plan.key, subscription.price, subscription.amount_minor) == (
        "enterprise",
        None,
        50000,
    )
    invoice = Invoice.objects.get(subscription=subscription, status="open")
    assert invoice.subtotal_minor == 50000
    invoice_payment_confirm(invoice=invoice, actor=staff_user)
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_end == dt.datetime(2027, 1, 1, tzinfo=dt.UTC)
    change = PlanChange.objects.get(subscription=subscription, kind="terms_changed")
    assert (change.reason, change.changed_by) == ("contract 2026-001", staff_user)


def test_enterprise_is_not_self_service(business, owner):
    with pytest.raises(ValidationFailed) as refused:
        _transfer_started(business, owner, plan="enterprise")
    assert refused.value.code == "plan_unavailable"

# ruff: noqa: F811 (the fake gateway fixture is imported by name)
"""A plan subscription's life through a (fake) gateway: trial → active → past due → dunning
emails → suspended after the grace period → reactivated by a payment; cancellation at the
period's end; replays; staff's suspension outlives a payment (decision 0034)."""

import datetime as dt

import pytest

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import (
    DunningNotice,
    GatewayEvent,
    GatewayPlanPrice,
    Invoice,
    Payment,
    PlanChange,
    PlanSubscription,
)
from kazan.billing.queries.plans import plan_by_key
from kazan.billing.services.dunning import dunning_run, grace_run
from kazan.billing.services.manual_plans import plan_renewals_run
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_subscriptions import (
    plan_subscription_for,
    subscription_cancel,
    subscription_checkout_start,
    subscription_gateways_available,
    subscription_portal_url,
    subscription_resume,
)
from kazan.billing.services.tax import gross_for
from kazan.billing.tests.plan_fakes import event, fake_gateway, subscribe  # noqa: F401
from kazan.core.errors import Conflict, ValidationFailed
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business
from kazan.tenancy.services import business_status_change

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


def _kinds(subscription) -> list[str]:
    return list(
        PlanChange.objects.filter(subscription=subscription)
        .order_by("changed_at", "id")
        .values_list("kind", flat=True)
    )


def test_trial_active_past_due_reminded_suspended_and_reactivated_by_a_payment(
    business, owner, fake_gateway, time_machine, mailoutbox, django_capture_on_commit_callbacks
):
    time_machine.move_to(START, tick=False)
    trial = plan_subscription_for(business)
    assert trial.status == "trialing"
    assert subscription_gateways_available() == ["fakesub", "manual"]

    request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )

    # The gateway charges the gross price (tax included), kept as its price object.
    gross = gross_for(business=business, net_minor=4900)
    assert request.amount_minor == gross > 4900
    assert GatewayPlanPrice.objects.get(gateway="fakesub").amount_minor == gross
    assert request.trial_end == trial.trial_ends_at  # the rest of the trial stays free
    assert request.metadata == {"subscription_id": str(trial.pk), "business_id": str(business.pk)}
    assert subscription.status == "active"
    assert subscription.plan.key == "basic"
    assert subscription.gateway_subscription_id == "sub_1"
    invoice = Invoice.objects.get(business=business)
    assert (invoice.status, invoice.total_minor, invoice.gateway_invoice_id) == (
        "paid",
        gross,
        "in_1",
    )
    payment = Payment.objects.get(invoice=invoice)
    assert (payment.status, payment.package, payment.amount_minor) == ("paid", None, gross)

    # The renewal fails: past due from the first failure, kept through the retries.
    renewal = subscription.current_period_end
    time_machine.move_to(renewal, tick=False)
    for attempt in (1, 2):
        subscription_event_apply(
            event=event(
                "invoice_failed",
                subscription=subscription,
                attempt_count=attempt,
                amount_minor=gross,
                currency="EUR",
                gateway_invoice_id="in_2",
            )
        )
        time_machine.shift(dt.timedelta(hours=5))
    subscription.refresh_from_db()
    assert subscription.status == "past_due"
    assert subscription.past_due_since == renewal

    # Reminders at 0, 3, 7, 12 days (settings): once per step, to the owners.
    with django_capture_on_commit_callbacks(execute=True):
        assert dunning_run() == 1
        assert dunning_run() == 0
    tasks_run_all(sweep=False)
    assert [m.to for m in mailoutbox] == [[owner.email]]
    assert "/dashboard/billing/" in mailoutbox[0].body
    assert "overdue" in mailoutbox[0].subject
    time_machine.move_to(renewal + dt.timedelta(days=3, hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert dunning_run() == 1
    tasks_run_all(sweep=False)
    assert len(mailoutbox) == 2
    assert grace_run() == 0  # within the grace period: still usable

    # After the grace period (14 days): suspended by billing; nothing deleted.
    time_machine.move_to(renewal + dt.timedelta(days=14, hours=1), tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert grace_run() == 1
        assert grace_run() == 0
    subscription.refresh_from_db()
    business.refresh_from_db()
    assert subscription.status == "suspended"
    assert (business.status, business.suspension_cause) == ("suspended", "billing")
    assert DunningNotice.objects.filter(subscription=subscription).count() == 2

    # The customer pays (the gateway's retry succeeds): active again, the business too.
    subscription_event_apply(
        event=event(
            "invoice_paid",
            subscription=subscription,
            gateway_invoice_id="in_2",
            amount_minor=gross,
            currency="EUR",
            billing_reason="subscription_cycle",
            current_period_start=renewal,
            current_period_end=renewal + dt.timedelta(days=30),
        )
    )
    subscription.refresh_from_db()
    business.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.past_due_since is None
    assert subscription.current_period_end == renewal + dt.timedelta(days=30)
    assert (business.status, business.suspension_cause) == ("active", "")
    assert _kinds(subscription) == [
        "trial_started",
        "subscribed",
        "payment_failed",
        "past_due",
        "payment_failed",
        "suspended",
        "renewed",
        "reactivated",
    ]


def test_a_payment_never_lifts_staffs_suspension(
    business, owner, staff_user, fake_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    business_status_change(business=business, status="suspended", reason="abuse", actor=staff_user)
    business.refresh_from_db()
    assert business.suspension_cause == "staff"

    subscription_event_apply(
        event=event(
            "invoice_paid",
            subscription=subscription,
            gateway_invoice_id="in_9",
            amount_minor=request.amount_minor,
            currency="EUR",
            current_period_start=subscription.current_period_end,
            current_period_end=subscription.current_period_end + dt.timedelta(days=30),
        )
    )
    business.refresh_from_db()
    assert (business.status, business.suspension_cause) == ("suspended", "staff")

    business_status_change(business=business, status="active", reason="ok", actor=staff_user)
    business.refresh_from_db()
    assert (business.status, business.suspension_cause) == ("active", "")


def test_staff_suspending_a_business_billing_suspended_makes_it_theirs(business, staff_user):
    from kazan.tenancy.services import business_billing_reactivate, business_billing_suspend

    assert business_billing_suspend(business=business, reason="unpaid")
    assert business_status_change(
        business=business, status="suspended", reason="abuse", actor=staff_user
    )
    assert not business_billing_reactivate(business=business, reason="paid")
    assert Business.objects.get(pk=business.pk).suspension_cause == "staff"


def test_a_replayed_webhook_changes_nothing_twice(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    paid = event(
        "invoice_paid",
        subscription=subscription,
        gateway_invoice_id="in_5",
        amount_minor=request.amount_minor,
        currency="EUR",
        current_period_start=subscription.current_period_end,
        current_period_end=subscription.current_period_end + dt.timedelta(days=30),
    )
    assert subscription_event_apply(event=paid) == "applied"
    assert subscription_event_apply(event=paid) == "duplicate"
    # The same gateway invoice under another event id (a second event type): one invoice.
    again = event(
        "invoice_paid",
        subscription=subscription,
        gateway_invoice_id="in_5",
        amount_minor=request.amount_minor,
        currency="EUR",
    )
    subscription_event_apply(event=again)
    assert Invoice.objects.filter(gateway_invoice_id="in_5").count() == 1
    assert Payment.objects.filter(invoice__gateway_invoice_id="in_5").count() == 1
    assert GatewayEvent.objects.filter(gateway="fakesub").count() == 4


def test_an_event_for_no_subscription_of_ours_is_ignored(business, fake_gateway):
    subscription = plan_subscription_for(business)
    stray = event("subscription", subscription=subscription, status="active")
    stray = stray.__class__(**{**stray.__dict__, "local_subscription_id": None})
    assert subscription_event_apply(event=stray) == "ignored"


def test_cancelled_at_the_period_end_ends_and_suspends_keeping_everything(
    business, owner, fake_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_cancel(business=business, actor=owner, reason="closing the shop")
    assert ("cancel", {"gateway_subscription_id": "sub_1", "at_period_end": True}) in (
        fake_gateway.calls
    )
    with pytest.raises(Conflict):
        subscription_cancel(business=business, actor=owner)
    subscription_resume(business=business, actor=owner)
    subscription_cancel(business=business, actor=owner)
    assert plan_renewals_run() == 0  # the period runs on

    time_machine.move_to(subscription.current_period_end + dt.timedelta(minutes=1), tick=False)
    assert plan_renewals_run() == 1
    subscription.refresh_from_db()
    business.refresh_from_db()
    assert (subscription.status, subscription.ended_at is not None) == ("cancelled", True)
    assert (business.status, business.suspension_cause) == ("suspended", "billing")
    assert Invoice.objects.filter(business=business).count() == 1  # nothing deleted
    # The gateway's own "deleted" afterwards changes nothing more.
    subscription_event_apply(
        event=event("subscription", subscription=subscription, status="cancelled")
    )
    assert _kinds(subscription)[-4:] == [
        "cancel_scheduled",
        "cancel_withdrawn",
        "cancel_scheduled",
        "ended",
    ]


def test_the_gateway_ending_a_subscription_suspends_the_business(
    business, owner, fake_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_event_apply(
        event=event("subscription", subscription=subscription, status="cancelled")
    )
    business.refresh_from_db()
    assert business.suspension_cause == "billing"
    assert PlanSubscription.objects.get(pk=subscription.pk).status == "cancelled"


def test_the_portal_is_the_gateways(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    assert subscription_portal_url(business=business, return_url="https://x") == ""
    subscribe(business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine)
    assert subscription_portal_url(business=business, return_url="https://x").endswith("/cus_1")


def test_invoice_lines_from_the_gateway_are_kept_gross(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_event_apply(
        event=event(
            "invoice_paid",
            subscription=subscription,
            gateway_invoice_id="in_7",
            amount_minor=5000,
            currency="EUR",
            billing_reason="subscription_update",
            lines=(
                InvoiceLineData(description="Unused time on Basic", amount_minor=-2000),
                InvoiceLineData(description="Remaining time on Professional", amount_minor=7000),
            ),
        )
    )
    invoice = Invoice.objects.get(gateway_invoice_id="in_7")
    assert invoice.total_minor == 5000
    assert sorted(invoice.lines.values_list("amount_minor", flat=True))[0] < 0
    # A proration invoice leaves the period as it is.
    assert PlanSubscription.objects.get(pk=subscription.pk).current_period_end == (
        subscription.current_period_end
    )


def test_every_plan_change_reads_as_a_sentence_in_the_activity_log(
    business, owner, fake_gateway, time_machine
):
    from kazan.activity.models import Activity
    from kazan.activity.registry import Viewer, activity_describe

    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_event_apply(
        event=event("invoice_failed", subscription=subscription, amount_minor=100, currency="EUR")
    )
    subscription_cancel(business=business, actor=owner, reason="moving")
    entries = Activity.objects.filter(action__startswith="plan.").select_related("actor")
    lines = activity_describe(entries, viewer=Viewer(staff=True))
    assert {line.entry.action for line in lines} >= {
        "plan.trial_started",
        "plan.checkout_started",
        "plan.subscribed",
        "plan.payment_failed",
        "plan.past_due",
        "plan.cancel_scheduled",
    }
    assert [line.sentence for line in lines if "—" in line.sentence or "%(" in line.sentence] == []


def test_a_gateway_that_refuses_is_a_clear_error_not_a_500(
    business, owner, fake_gateway, monkeypatch
):
    from kazan.billing.gateways import GatewayError

    def refuse(self, request):
        raise GatewayError("card declined", code="declined")

    monkeypatch.setattr(fake_gateway, "subscription_checkout_start", refuse)
    with pytest.raises(Conflict) as refused:
        subscription_checkout_start(
            business=business,
            plan=plan_by_key(key="basic"),
            interval="month",
            gateway_key="fakesub",
            actor=owner,
        )
    assert refused.value.code == "gateway_error"
    with pytest.raises(ValidationFailed):
        subscription_checkout_start(
            business=business,
            plan=plan_by_key(key="basic"),
            interval="month",
            gateway_key="oxapay",
            actor=owner,
        )


def test_a_live_gateway_subscription_refuses_a_second_checkout(
    business, owner, fake_gateway, time_machine
):
    time_machine.move_to(START, tick=False)
    basic = plan_by_key(key="basic")
    subscription_checkout_start(
        business=business, plan=basic, interval="month", gateway_key="fakesub", actor=owner
    )
    subscription = plan_subscription_for(business)
    # The gateway confirms the trial's subscription (a card or mandate on file).
    subscription_event_apply(
        event=event(
            "subscription",
            subscription=subscription,
            status="trialing",
            price_id=fake_gateway.calls[-1][1]["request"].price_id,
        )
    )
    for gateway_key in ("fakesub", "manual"):
        with pytest.raises(Conflict) as refused:
            subscription_checkout_start(
                business=business, plan=basic, interval="year", gateway_key=gateway_key, actor=owner
            )
        assert refused.value.code == "already_subscribed"
        assert "You already have a subscription with Fakesub" in str(refused.value.message)
    assert len([c for c in fake_gateway.calls if c[0] == "checkout"]) == 1


def test_an_abandoned_razorpay_like_checkout_is_cancelled_not_blocking(
    business, owner, fake_gateway, time_machine, monkeypatch
):
    from kazan.billing.gateways import SubscriptionCheckoutResult

    time_machine.move_to(START, tick=False)
    ids = iter(["sub_a", "sub_b"])

    def named(self, request):
        fake_gateway.calls.append(("checkout", {"request": request}))
        sub_id = next(ids)
        return SubscriptionCheckoutResult(
            reference=sub_id, redirect_url="https://pay.example/x", gateway_subscription_id=sub_id
        )

    monkeypatch.setattr(fake_gateway, "subscription_checkout_start", named)
    basic = plan_by_key(key="basic")
    for _ in range(2):
        subscription_checkout_start(
            business=business, plan=basic, interval="month", gateway_key="fakesub", actor=owner
        )
    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.gateway_subscription_id == "sub_b"
    cancels = [c[1] for c in fake_gateway.calls if c[0] == "cancel"]
    assert cancels == [{"gateway_subscription_id": "sub_a", "at_period_end": False}]


def test_razorpay_resume_says_until_when_the_plan_runs(
    business, owner, fake_gateway, time_machine, monkeypatch
):
    from kazan.billing.gateways import GatewayError

    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_cancel(business=business, actor=owner)

    def unsupported(self, **kwargs):
        raise GatewayError("no", code="razorpay_resume_unsupported")

    monkeypatch.setattr(fake_gateway, "subscription_resume", unsupported)
    business.language = "en"
    business.save()
    with pytest.raises(Conflict) as refused:
        subscription_resume(business=business, actor=owner)
    assert refused.value.code == "resume_unsupported"
    message = str(refused.value.message)
    assert message.startswith("Razorpay cannot undo a cancellation: your plan runs until ")
    assert subscription.current_period_end.strftime("%Y") in message
    assert PlanSubscription.objects.get(pk=subscription.pk).cancel_at_period_end


def test_staff_reactivating_a_business_whose_plan_stays_unpaid_is_suspended_again(
    business, owner, staff_user, fake_gateway, time_machine
):
    from django.conf import settings

    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    subscription_event_apply(event=event("invoice_failed", subscription=subscription))
    business_status_change(business=business, status="suspended", reason="abuse", actor=staff_user)
    time_machine.move_to(
        dt.datetime.now(dt.UTC) + dt.timedelta(days=settings.BILLING_GRACE_DAYS + 1), tick=False
    )
    assert grace_run() == 1
    business.refresh_from_db()
    assert (business.status, business.suspension_cause) == ("suspended", "staff")
    # Staff lift their own suspension; the plan is still unpaid.
    business_status_change(business=business, status="active", reason="ok", actor=staff_user)
    assert grace_run() == 1
    business.refresh_from_db()
    assert (business.status, business.suspension_cause) == ("suspended", "billing")
    assert grace_run() == 0

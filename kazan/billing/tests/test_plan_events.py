# ruff: noqa: F811 (the fake gateway fixture is imported by name)
"""Gateway events applied to a plan subscription: late (out of order) events move nothing back,
an ended subscription is not revived by a late invoice, the invoice says what was charged and
names the payment a refund needs, and the metadata links only a subscription of its business."""

import datetime as dt

import pytest

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanChange, PlanSubscription
from kazan.billing.services.credit_notes import credit_note_issue
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.tests.plan_fakes import event, fake_gateway, subscribe  # noqa: F401

START = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def active(business, owner, fake_gateway, time_machine):
    time_machine.move_to(START, tick=False)
    _request, subscription = subscribe(
        business=business, owner=owner, fake_gateway=fake_gateway, time_machine=time_machine
    )
    assert subscription.status == "active" and subscription.gateway_event_at is not None
    return subscription


def _ago(subscription: PlanSubscription, **delta) -> dt.datetime:
    return subscription.gateway_event_at - dt.timedelta(**delta)


def test_a_late_failure_of_the_invoice_paid_since_changes_nothing(active):
    late = event(
        "invoice_failed",
        subscription=active,
        gateway_invoice_id="in_1",
        attempt_count=1,
        amount_minor=100,
        currency="EUR",
        occurred_at=active.gateway_event_at + dt.timedelta(seconds=5),
    )
    assert subscription_event_apply(event=late) == "ignored"
    older = event(
        "invoice_failed",
        subscription=active,
        gateway_invoice_id="in_0",
        attempt_count=1,
        occurred_at=_ago(active, hours=1),
    )
    past_due = event(
        "subscription", subscription=active, status="past_due", occurred_at=_ago(active, hours=1)
    )
    assert subscription_event_apply(event=older) == "ignored"
    assert subscription_event_apply(event=past_due) == "ignored"

    active.refresh_from_db()
    assert active.status == "active" and active.past_due_since is None
    assert not PlanChange.objects.filter(
        subscription=active, kind__in=["past_due", "payment_failed"]
    ).exists()
    assert GatewayEvent.objects.filter(event_id__in=[late.event_id, older.event_id]).count() == 2


def test_an_older_subscription_update_moves_no_period_or_cancellation_back(active):
    end = active.current_period_end
    newer = event(
        "subscription",
        subscription=active,
        status="active",
        cancel_at_period_end=True,
        current_period_start=active.current_period_start,
        current_period_end=end,
        occurred_at=active.gateway_event_at + dt.timedelta(minutes=1),
    )
    older = event(
        "subscription",
        subscription=active,
        status="active",
        cancel_at_period_end=False,
        current_period_start=active.current_period_start - dt.timedelta(days=31),
        current_period_end=active.current_period_start,
        occurred_at=active.gateway_event_at + dt.timedelta(seconds=30),
    )
    assert subscription_event_apply(event=newer) == "applied"
    assert subscription_event_apply(event=older) == "ignored"

    active.refresh_from_db()
    assert active.cancel_at_period_end is True and active.current_period_end == end
    assert GatewayEvent.objects.filter(event_id=older.event_id).exists()


def test_the_plan_invoice_names_its_payment_so_it_can_be_refunded(active, fake_gateway, staff_user):
    invoice = Invoice.objects.get(gateway_invoice_id="in_1")
    assert invoice.payment_reference == "ch_1"

    credit_note_issue(
        invoice=invoice, amount_minor=None, reason="goodwill", actor=staff_user, refund=True
    )

    [(_, call)] = [c for c in fake_gateway.calls if c[0] == "refund"]
    assert call["payment_reference"] == "ch_1"


def test_a_late_invoice_of_an_ended_subscription_is_recorded_but_does_not_revive_it(
    active, caplog, time_machine
):
    ended = event("subscription", subscription=active, status="cancelled")
    assert subscription_event_apply(event=ended) == "applied"
    late = event(
        "invoice_paid",
        subscription=active,
        gateway_invoice_id="in_late",
        payment_reference="ch_late",
        amount_minor=500,
        currency="EUR",
        billing_reason="subscription_cycle",
        current_period_start=active.current_period_end,
        current_period_end=active.current_period_end + dt.timedelta(days=30),
        occurred_at=_ago(active, seconds=1),  # paid before it ended, delivered after
    )

    assert subscription_event_apply(event=late) == "applied"

    active.refresh_from_db()
    assert active.status == "cancelled"
    invoice = Invoice.objects.get(gateway_invoice_id="in_late")
    assert Payment.objects.get(invoice=invoice).amount_minor == 500
    note = PlanChange.objects.filter(subscription=active).order_by("-id").first()
    assert note.kind == "ended" and "not reactivated" in note.reason
    assert "not reactivated" in caplog.text

    # Subscribing again: the new gateway subscription's first invoice makes it active.
    time_machine.shift(dt.timedelta(hours=1))
    fresh = event(
        "invoice_paid",
        subscription=active,
        gateway_subscription_id="sub_2",
        gateway_invoice_id="in_new",
        payment_reference="ch_new",
        amount_minor=500,
        currency="EUR",
        billing_reason="subscription_create",
    )
    assert subscription_event_apply(event=fresh) == "applied"
    active.refresh_from_db()
    assert (active.status, active.gateway_subscription_id) == ("active", "sub_2")


def test_the_invoice_totals_what_the_gateway_charged(active):
    paid = event(
        "invoice_paid",
        subscription=active,
        gateway_invoice_id="in_2",
        payment_reference="ch_2",
        amount_minor=4000,  # after a discount and the customer's credit balance
        currency="EUR",
        billing_reason="subscription_cycle",
        lines=(InvoiceLineData(description="", amount_minor=5831),),
        current_period_start=active.current_period_end,
        current_period_end=active.current_period_end + dt.timedelta(days=30),
    )

    assert subscription_event_apply(event=paid) == "applied"

    invoice = Invoice.objects.get(gateway_invoice_id="in_2")
    assert invoice.total_minor == 4000
    assert Payment.objects.get(invoice=invoice).amount_minor == 4000
    descriptions = list(invoice.lines.order_by("id").values_list("description", flat=True))
    # An empty line description is the plan's name; the difference is a line of its own.
    assert descriptions == [active.plan.name, "Credit applied"]


def test_a_zero_invoice_of_another_gateway_subscription_moves_no_period(active):
    end = active.current_period_end
    zero = event(
        "invoice_paid",
        subscription=active,
        gateway_subscription_id="sub_other",
        gateway_invoice_id="in_zero",
        amount_minor=0,
        currency="EUR",
        current_period_start=end + dt.timedelta(days=300),
        current_period_end=end + dt.timedelta(days=330),
        occurred_at=active.gateway_event_at + dt.timedelta(minutes=1),
    )
    assert subscription_event_apply(event=zero) == "ignored"
    active.refresh_from_db()
    assert active.current_period_end == end


def test_the_metadata_links_only_a_subscription_of_its_business(active, other_business):
    def linking(**fields):
        return event(
            "subscription", subscription=active, gateway_subscription_id="sub_new", **fields
        )

    assert (
        subscription_event_apply(event=linking(), metadata_business_id=other_business.pk)
        == "ignored"
    )
    # The first events of a checkout, before the gateway's subscription id is known here.
    PlanSubscription.objects.filter(pk=active.pk).update(gateway_subscription_id="")
    assert subscription_event_apply(event=linking(), metadata_business_id=None) == "ignored"
    active.refresh_from_db()
    assert active.gateway_subscription_id == ""
    assert (
        subscription_event_apply(
            event=linking(status="cancelled"), metadata_business_id=active.business_id
        )
        == "applied"
    )
    active.refresh_from_db()
    assert active.gateway_subscription_id == "sub_new" and active.status == "cancelled"

# ruff: noqa: F811 (the subscribed fixture is imported by name)
"""Reconciliation with Razorpay when its webhooks were lost (plan_subscriptions_resync): the job
fetches the subscription through the official SDK from the fake Razorpay and applies it with the
webhook's own status mapping, then its latest invoice when paid (the invoice list, the payment
that paid it) as subscription.charged maps it. The fake moves the subscription (charged, halted,
cancelled) and its events are dropped, as if never delivered, or held back and delivered late."""

import dataclasses
import datetime as dt
import time

import pytest
from django.utils import timezone

from kazan.billing.gateways import GatewayError, gateway_get
from kazan.billing.gateways.razorpay.events import event_parse
from kazan.billing.gateways.razorpay.tests.test_flow import _post, subscribed  # noqa: F401
from kazan.billing.models import Invoice, Payment, PlanSubscription
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_resync import plan_subscriptions_resync

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def _when(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC)


@pytest.fixture
def charged(subscribed, fake_razorpay, client):
    """Authorised and charged (reported): active; then time passed, its cycle ended two days
    ago (here and at Razorpay)."""
    subscription, sub_id, _started = subscribed
    _post(client, fake_razorpay.subscription_authorise(sub_id))
    _post(client, fake_razorpay.subscription_charge(sub_id))
    end = int(time.time()) - 2 * DAY
    with fake_razorpay.lock:
        fake_razorpay.objects["subscriptions"][sub_id].update(
            current_start=end - 30 * DAY, current_end=end, charge_at=end
        )
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        current_period_start=_when(end - 30 * DAY), current_period_end=_when(end)
    )
    subscription.refresh_from_db()
    assert subscription.status == "active"
    return subscription, sub_id


def _fetches(fake_razorpay, sub_id: str) -> int:
    return len(
        [
            c
            for c in fake_razorpay.calls("GET", f"/v1/subscriptions/{sub_id}")
            if c.path.endswith(sub_id)
        ]
    )


def test_a_renewal_whose_webhooks_were_lost_is_brought_up_to_date(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_charge(sub_id)  # subscription.charged: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    sub = fake_razorpay.get("subscriptions", sub_id)
    assert subscription.status == "active"
    assert subscription.current_period_start == _when(sub["current_start"])
    assert subscription.current_period_end == _when(sub["current_end"]) > timezone.now()
    assert _fetches(fake_razorpay, sub_id) == 1
    assert plan_subscriptions_resync() == 0  # up to date: not asked again
    assert _fetches(fake_razorpay, sub_id) == 1


def test_halted_whose_webhooks_were_lost_is_past_due(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_fail(sub_id, halt=True)  # payment.failed, .halted: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert subscription.changes.filter(
        kind="past_due", source__startswith="razorpay:sync:"
    ).exists()
    assert plan_subscriptions_resync() == 0  # the same state again: a duplicate


def test_cancelled_at_razorpay_ends(charged, fake_razorpay, client, business):
    subscription, sub_id = charged
    _post(client, fake_razorpay.subscription_fail(sub_id))  # reported: past due
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        gateway_event_at=timezone.now() - dt.timedelta(days=1, minutes=5)
    )
    # Cancelled at Razorpay (its dashboard); subscription.cancelled was lost.
    gateway_get("razorpay").subscription_cancel(gateway_subscription_id=sub_id, at_period_end=False)

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None
    business.refresh_from_db()
    assert business.suspension_cause == "billing"


def test_the_fetched_state_is_the_webhooks_mapping(charged, fake_razorpay):
    subscription, sub_id = charged
    fake_razorpay.subscription_fail(sub_id, halt=True)
    gateway = gateway_get("razorpay")

    fetched = gateway.subscription_fetch(gateway_subscription_id=sub_id)
    first, again = fetched.state, gateway.subscription_fetch(gateway_subscription_id=sub_id).state

    assert fetched.invoice is None  # the latest invoice is not paid: the state says past due
    assert first.kind == "subscription" and first.status == "past_due" and first.observed
    assert first.event_id == again.event_id and first.event_id.startswith(f"sync:{sub_id}:")
    assert first.local_subscription_id == subscription.pk
    delivery = fake_razorpay.subscription_event(sub_id, "subscription.halted")
    webhook = event_parse(delivery.event, event_id="evt1")
    ignored = {"event_id", "event_type", "occurred_at", "observed"}
    assert {k: v for k, v in dataclasses.asdict(first).items() if k not in ignored} == {
        k: v for k, v in dataclasses.asdict(webhook).items() if k not in ignored
    }


def test_an_unreachable_razorpay_is_a_transient_gateway_error(charged, fake_razorpay):
    _subscription, sub_id = charged
    fake_razorpay.fail_next(status=503, code="SERVER_ERROR")

    with pytest.raises(GatewayError) as raised:
        gateway_get("razorpay").subscription_fetch(gateway_subscription_id=sub_id)
    assert raised.value.transient


def _latest_invoice(fake_razorpay, sub_id: str) -> dict:
    with fake_razorpay.lock:
        invoices = [
            i for i in fake_razorpay.objects["invoices"].values() if i["subscription_id"] == sub_id
        ]
    return invoices[-1]


def _past_due(charged, fake_razorpay, client) -> None:
    """A renewal failed (reported): past due; no event came for a day since."""
    subscription, sub_id = charged
    _post(client, fake_razorpay.subscription_fail(sub_id))
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        gateway_event_at=timezone.now() - dt.timedelta(days=1, minutes=5)
    )
    subscription.refresh_from_db()
    assert subscription.status == "past_due"


def _counts(subscription) -> tuple[int, int, int]:
    return (
        Invoice.objects.filter(business=subscription.business).count(),
        Payment.objects.filter(business=subscription.business).count(),
        subscription.changes.count(),
    )


def test_a_lost_charge_is_recorded_as_our_invoice(charged, fake_razorpay):
    subscription, sub_id = charged
    before = set(
        Invoice.objects.filter(business=subscription.business).values_list("pk", flat=True)
    )
    fake_razorpay.subscription_charge(sub_id)  # subscription.charged: lost
    paid = _latest_invoice(fake_razorpay, sub_id)
    assert paid["status"] == "paid"

    assert plan_subscriptions_resync() == 1

    recorded = Invoice.objects.filter(business=subscription.business).exclude(pk__in=before).get()
    assert (recorded.gateway, recorded.gateway_invoice_id) == ("razorpay", paid["id"])
    assert recorded.status == "paid" and recorded.number
    assert recorded.total_minor == paid["amount"] > 0 and recorded.currency == paid["currency"]
    assert recorded.paid_at == _when(paid["paid_at"])
    [payment] = Payment.objects.filter(invoice=recorded)
    assert (
        payment.gateway_reference == paid["payment_id"] and payment.amount_minor == paid["amount"]
    )
    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.current_period_end > timezone.now()
    assert plan_subscriptions_resync() == 0


def test_a_past_due_plan_charged_at_razorpay_whose_webhooks_were_lost_is_active_again(
    charged, fake_razorpay, client
):
    subscription, sub_id = charged
    _past_due(charged, fake_razorpay, client)
    fake_razorpay.subscription_charge(sub_id)  # activated, charged: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.past_due_since is None
    assert subscription.changes.filter(
        kind="reactivated", source__startswith="razorpay:sync:"
    ).exists()
    assert Invoice.objects.filter(
        gateway="razorpay", gateway_invoice_id=_latest_invoice(fake_razorpay, sub_id)["id"]
    ).exists()


def test_the_fetched_invoice_is_the_charge_webhooks_mapping(charged, fake_razorpay):
    _subscription, sub_id = charged
    deliveries = fake_razorpay.subscription_charge(sub_id)

    fetched = gateway_get("razorpay").subscription_fetch(gateway_subscription_id=sub_id)

    [charge] = [d for d in deliveries if d.event_type == "subscription.charged"]
    webhook = event_parse(charge.event, event_id="evt1")
    assert fetched.invoice is not None and fetched.invoice.observed
    paid = _latest_invoice(fake_razorpay, sub_id)
    assert fetched.invoice.occurred_at == _when(paid["paid_at"])
    assert fetched.invoice.event_id == f"sync:{sub_id}:{paid['id']}:invoice_paid"
    ignored = {"event_id", "event_type", "occurred_at", "observed"}
    assert {k: v for k, v in dataclasses.asdict(fetched.invoice).items() if k not in ignored} == {
        k: v for k, v in dataclasses.asdict(webhook).items() if k not in ignored
    }


def test_the_real_charge_webhook_after_reconciliation_records_nothing_twice(
    charged, fake_razorpay, client
):
    subscription, sub_id = charged
    _past_due(charged, fake_razorpay, client)
    late = fake_razorpay.subscription_charge(sub_id)  # Razorpay still retrying these
    assert plan_subscriptions_resync() == 1
    counts = _counts(subscription)

    # subscription.activated is a state already held; the charge's invoice is ours already.
    assert [d.event_type for d in late] == ["subscription.activated", "subscription.charged"]
    assert _post(client, late) == ["applied", "ignored"]

    assert _counts(subscription) == counts
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_reconciliation_after_the_real_charge_webhook_records_nothing_twice(
    charged, fake_razorpay, client
):
    subscription, sub_id = charged
    _past_due(charged, fake_razorpay, client)
    assert _post(client, fake_razorpay.subscription_charge(sub_id)) == ["applied", "applied"]
    subscription.refresh_from_db()
    assert subscription.status == "active"
    counts = _counts(subscription)

    # What the job applies, for a subscription it finds overdue (after the webhook came).
    fetched = gateway_get("razorpay").subscription_fetch(gateway_subscription_id=sub_id)
    assert fetched.invoice is not None
    applied = [subscription_event_apply(event=e, metadata_business_id=None) for e in fetched.events]
    assert applied[-1] == "ignored"  # the invoice is ours already

    assert _counts(subscription) == counts
    subscription.refresh_from_db()
    assert subscription.status == "active"

# ruff: noqa: F811 (the trial_over fixture is imported by name)
"""Reconciliation with Stripe when its webhooks were lost (plan_subscriptions_resync): the job
retrieves the subscription through the official SDK from the fake Stripe and applies it as the
customer.subscription.* webhook would, then its latest invoice (expanded in the same request) as
invoice.paid would. The fake moves the subscription (a renewal paid or failed, a cancellation)
and its events are dropped, as if never delivered, or held back and delivered late."""

import dataclasses
import datetime as dt
import time

import pytest
from django.utils import timezone

from kazan.billing.gateways import GatewayError, gateway_get
from kazan.billing.gateways.stripe.billing_events import subscription_event_parse
from kazan.billing.gateways.stripe.testing import webhook_post
from kazan.billing.gateways.stripe.testing.wire import event_build
from kazan.billing.gateways.stripe.tests.test_billing_flow import _subscribe, trial_over  # noqa: F401
from kazan.billing.models import GatewayEvent, Invoice, Payment, PlanSubscription
from kazan.billing.services.dunning import grace_run
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_resync import plan_subscriptions_resync
from kazan.billing.services.plan_subscriptions import plan_subscription_for

pytestmark = pytest.mark.django_db
DAY = 24 * 3600


def _when(unix: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(unix, tz=dt.UTC)


def _period_ended(fake_stripe, subscription: PlanSubscription, sub_id: str, *, days: int = 2):
    """Time passed: the current period (here and at Stripe) ended `days` ago."""
    end = int(time.time()) - days * DAY
    start = end - 30 * DAY
    fake_stripe.subscriptions[sub_id]["items"]["data"][0].update(
        current_period_start=start, current_period_end=end
    )
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        current_period_start=_when(start), current_period_end=_when(end)
    )


def _retrieves(fake_stripe, sub_id: str) -> int:
    return len(
        [
            r
            for r in fake_stripe.requests
            if (r.method, r.path) == ("GET", f"/v1/subscriptions/{sub_id}")
        ]
    )


def _item(fake_stripe, sub_id: str) -> dict:
    return fake_stripe.subscriptions[sub_id]["items"]["data"][0]


def test_a_renewal_whose_webhooks_were_lost_is_brought_up_to_date(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _period_ended(fake_stripe, subscription, sub_id)
    fake_stripe.renewal_pay(sub_id)  # invoice.paid, customer.subscription.updated: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    item = _item(fake_stripe, sub_id)
    assert subscription.status == "active"
    assert subscription.current_period_start == _when(item["current_period_start"])
    assert subscription.current_period_end == _when(item["current_period_end"]) > timezone.now()
    assert _retrieves(fake_stripe, sub_id) == 1
    synced = GatewayEvent.objects.filter(gateway="stripe", event_id__startswith="sync:")
    invoice_id = fake_stripe.subscriptions[sub_id]["latest_invoice"]
    assert sorted(e.event_type for e in synced) == ["invoice.fetched", "subscription.fetched"]
    assert synced.get(event_type="invoice.fetched").event_id == (
        f"sync:{sub_id}:{invoice_id}:invoice_paid"
    )
    # Up to date: the next run does not ask.
    assert plan_subscriptions_resync() == 0
    assert _retrieves(fake_stripe, sub_id) == 1


def test_a_failed_renewal_whose_webhooks_were_lost_makes_it_past_due(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _period_ended(fake_stripe, subscription, sub_id)
    fake_stripe.renewal_fail(sub_id)  # invoice.payment_failed, customer.subscription.updated: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    assert subscription.current_period_end == _when(
        _item(fake_stripe, sub_id)["current_period_end"]
    )
    assert subscription.changes.filter(kind="past_due", source__startswith="stripe:sync:").exists()


def test_a_subscription_cancelled_at_stripe_ends(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    # A renewal failed (reported): past due; Stripe stopped retrying and cancelled it a day
    # later, and that event was lost.
    failed = fake_stripe.renewal_fail(sub_id)
    assert [webhook_post(client, d).status_code for d in failed] == [200, 200]
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        gateway_event_at=timezone.now() - dt.timedelta(days=1, minutes=5)
    )
    gateway_get("stripe").subscription_cancel(gateway_subscription_id=sub_id, at_period_end=False)
    assert [d.event["type"] for d in fake_stripe.events_take()] == ["customer.subscription.deleted"]

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled" and subscription.ended_at is not None
    business.refresh_from_db()
    assert business.suspension_cause == "billing"
    assert plan_subscriptions_resync() == 0  # ended: not asked again
    assert _retrieves(fake_stripe, sub_id) == 1


def test_an_up_to_date_subscription_is_not_asked(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    _subscription, sub_id = _subscribe(client, fake_stripe, business, owner)

    assert plan_subscriptions_resync() == 0
    assert _retrieves(fake_stripe, sub_id) == 0


def test_the_fetched_state_is_the_webhooks_mapping_and_applies_once(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _period_ended(fake_stripe, subscription, sub_id)
    fake_stripe.renewal_pay(sub_id)
    gateway = gateway_get("stripe")

    fetched = gateway.subscription_fetch(gateway_subscription_id=sub_id)
    first, again = fetched.state, gateway.subscription_fetch(gateway_subscription_id=sub_id).state

    assert first.kind == "subscription" and first.observed
    assert first.event_id == again.event_id and first.event_id.startswith(f"sync:{sub_id}:")
    assert first.local_subscription_id == subscription.pk
    webhook = subscription_event_parse(
        event_build("customer.subscription.updated", fake_stripe.subscriptions[sub_id])
    )
    ignored = {"event_id", "event_type", "occurred_at", "observed"}
    assert {k: v for k, v in dataclasses.asdict(first).items() if k not in ignored} == {
        k: v for k, v in dataclasses.asdict(webhook).items() if k not in ignored
    }
    # The latest invoice (paid) as invoice.paid maps it, made when Stripe says it was paid.
    stripe_invoice = fake_stripe.invoices[fake_stripe.subscriptions[sub_id]["latest_invoice"]]
    paid = subscription_event_parse(event_build("invoice.paid", stripe_invoice))
    assert fetched.invoice is not None and fetched.invoice.observed
    assert fetched.invoice.kind == "invoice_paid"
    assert fetched.invoice.occurred_at == _when(stripe_invoice["status_transitions"]["paid_at"])
    assert {k: v for k, v in dataclasses.asdict(fetched.invoice).items() if k not in ignored} == {
        k: v for k, v in dataclasses.asdict(paid).items() if k not in ignored
    }
    assert subscription_event_apply(event=first) == "applied"
    changes = subscription.changes.count()
    assert subscription_event_apply(event=again) == "duplicate"
    assert subscription.changes.count() == changes


def test_a_stripe_error_for_one_subscription_does_not_stop_another(
    stripe_settings, fake_stripe, client, business, owner, trial_over, other_business
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _period_ended(fake_stripe, subscription, sub_id)
    fake_stripe.renewal_pay(sub_id)
    # Another business's subscription Stripe no longer knows (404), longer overdue: asked first.
    other = plan_subscription_for(other_business)
    PlanSubscription.objects.filter(pk=other.pk).update(
        status="active",
        gateway="stripe",
        gateway_subscription_id="sub_gone",
        current_period_end=timezone.now() - dt.timedelta(days=3),
    )
    with pytest.raises(GatewayError):
        gateway_get("stripe").subscription_fetch(gateway_subscription_id="sub_gone")

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.current_period_end > timezone.now()
    other.refresh_from_db()
    assert other.status == "active"


def test_an_unreachable_stripe_is_a_transient_gateway_error(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    _subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    fake_stripe.fail_next(status=503, times=3)  # the SDK retries twice

    with pytest.raises(GatewayError) as raised:
        gateway_get("stripe").subscription_fetch(gateway_subscription_id=sub_id)
    assert raised.value.transient


def _latest_invoice(fake_stripe, sub_id: str) -> dict:
    return fake_stripe.invoices[fake_stripe.subscriptions[sub_id]["latest_invoice"]]


def _past_due(client, fake_stripe, subscription: PlanSubscription, sub_id: str) -> None:
    """A renewal failed (reported): past due; no event came for a day since."""
    failed = fake_stripe.renewal_fail(sub_id)
    assert [webhook_post(client, d).status_code for d in failed] == [200, 200]
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        gateway_event_at=timezone.now() - dt.timedelta(days=1, minutes=5)
    )
    subscription.refresh_from_db()
    assert subscription.status == "past_due"


def _counts(business) -> tuple[int, int]:
    return (
        Invoice.objects.filter(business=business).count(),
        Payment.objects.filter(business=business).count(),
    )


def test_a_renewal_paid_at_stripe_whose_invoice_paid_was_lost_is_recorded_as_our_invoice(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    [first] = Invoice.objects.filter(business=business)
    _period_ended(fake_stripe, subscription, sub_id)
    fake_stripe.renewal_pay(sub_id)  # invoice.paid, customer.subscription.updated: lost
    paid = _latest_invoice(fake_stripe, sub_id)

    assert plan_subscriptions_resync() == 1

    renewal = Invoice.objects.filter(business=business).exclude(pk=first.pk).get()
    assert (renewal.gateway, renewal.gateway_invoice_id) == ("stripe", paid["id"])
    assert renewal.status == "paid" and renewal.number and renewal.number != first.number
    assert renewal.total_minor == paid["amount_paid"] > 0 and renewal.currency == "EUR"
    assert renewal.paid_at == _when(paid["status_transitions"]["paid_at"])
    assert renewal.period_end == _when(paid["lines"]["data"][0]["period"]["end"])
    assert [line.description for line in renewal.lines.all()] == [
        paid["lines"]["data"][0]["description"]
    ]
    [payment] = Payment.objects.filter(invoice=renewal)
    assert payment.status == "paid" and payment.amount_minor == paid["amount_paid"]
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert subscription.current_period_end == renewal.period_end > timezone.now()
    assert plan_subscriptions_resync() == 0  # up to date: not asked again


def test_a_past_due_plan_paid_at_stripe_whose_webhooks_were_lost_is_active_again(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _past_due(client, fake_stripe, subscription, sub_id)
    fake_stripe.renewal_pay(sub_id)  # a retry paid the open invoice; its webhooks: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.past_due_since is None
    assert subscription.changes.filter(
        kind="reactivated", source__startswith="stripe:sync:"
    ).exists()
    paid = _latest_invoice(fake_stripe, sub_id)
    recorded = Invoice.objects.get(gateway="stripe", gateway_invoice_id=paid["id"])
    assert recorded.status == "paid" and recorded.total_minor == paid["amount_paid"]


def test_a_plan_suspended_for_not_paying_and_paid_at_stripe_is_reactivated(
    stripe_settings, fake_stripe, client, business, owner, trial_over, settings
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _past_due(client, fake_stripe, subscription, sub_id)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        past_due_since=timezone.now() - dt.timedelta(days=settings.BILLING_GRACE_DAYS + 1)
    )
    assert grace_run() == 1
    business.refresh_from_db()
    assert business.status == "suspended" and business.suspension_cause == "billing"
    fake_stripe.renewal_pay(sub_id)  # paid at last (Stripe's portal); its webhooks: lost

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "active" and subscription.suspended_at is None
    business.refresh_from_db()
    assert business.status == "active" and business.suspension_cause == ""


def test_the_real_invoice_paid_after_reconciliation_records_nothing_twice(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _past_due(client, fake_stripe, subscription, sub_id)
    late = fake_stripe.renewal_pay(sub_id)  # Stripe still retrying these
    assert plan_subscriptions_resync() == 1
    counts, changes = _counts(business), subscription.changes.count()
    subscription.refresh_from_db()
    period = (subscription.current_period_start, subscription.current_period_end)

    assert [d.event["type"] for d in late] == ["invoice.paid", "customer.subscription.updated"]
    assert [webhook_post(client, d).status_code for d in late] == [200, 200]
    assert [e.event_type for e in GatewayEvent.objects.filter(gateway="stripe").order_by("-pk")][
        :2
    ] == ["customer.subscription.updated", "invoice.paid"]  # both taken, not refused

    assert _counts(business) == counts
    assert subscription.changes.count() == changes
    subscription.refresh_from_db()
    assert subscription.status == "active"
    assert (subscription.current_period_start, subscription.current_period_end) == period


def test_reconciliation_after_the_real_invoice_paid_records_nothing_twice(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _past_due(client, fake_stripe, subscription, sub_id)
    paid, _updated = fake_stripe.renewal_pay(sub_id)
    assert webhook_post(client, paid).status_code == 200  # invoice.paid delivered
    subscription.refresh_from_db()
    assert subscription.status == "active"
    counts, changes = _counts(business), subscription.changes.count()

    # What the job applies, for a subscription it finds overdue (after the webhook came).
    fetched = gateway_get("stripe").subscription_fetch(gateway_subscription_id=sub_id)
    assert fetched.invoice is not None
    assert fetched.invoice.gateway_invoice_id == paid.event["data"]["object"]["id"]
    applied = [subscription_event_apply(event=e, metadata_business_id=None) for e in fetched.events]

    assert applied[-1] == "ignored"  # the invoice is ours already
    assert _counts(business) == counts
    assert subscription.changes.count() == changes
    subscription.refresh_from_db()
    assert subscription.status == "active"


def test_a_cancelled_subscriptions_recorded_last_invoice_is_not_applied_again(
    stripe_settings, fake_stripe, client, business, owner, trial_over
):
    subscription, sub_id = _subscribe(client, fake_stripe, business, owner)
    _period_ended(fake_stripe, subscription, sub_id)
    gateway_get("stripe").subscription_cancel(gateway_subscription_id=sub_id, at_period_end=False)
    fake_stripe.events_take()  # customer.subscription.deleted: lost
    assert _latest_invoice(fake_stripe, sub_id)["status"] == "paid"  # recorded at checkout
    counts = _counts(business)

    assert plan_subscriptions_resync() == 1

    subscription.refresh_from_db()
    assert subscription.status == "cancelled"
    # Ended once; the paid invoice it already had is not taken for one paid after the end.
    assert subscription.changes.filter(kind="ended").count() == 1
    assert _counts(business) == counts

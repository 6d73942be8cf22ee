"""Stripe Billing's documented event payloads (fixtures/) parsed into SubscriptionEventData."""

import contextlib
import copy
import datetime as dt

import pytest

from kazan.billing.gateways.stripe.billing_events import (
    NotASubscriptionEvent,
    metadata_business_id,
    subscription_event_parse,
)
from kazan.billing.gateways.stripe.testing import fixture, sign, webhook_post
from kazan.billing.gateways.stripe.webhooks import UnknownEventType, event_parse

JAN_1, FEB_1, MAR_1 = (dt.datetime(2026, month, 1, tzinfo=dt.UTC) for month in (1, 2, 3))


def test_subscription_created():
    event = subscription_event_parse(fixture("customer_subscription_created.json"))

    assert event.kind == "subscription" and event.gateway == "stripe"
    assert event.event_id == "evt_1QfKb6LkdIwHu7ixSubCre01"
    assert event.event_type == "customer.subscription.created"
    assert event.gateway_subscription_id == "sub_1QfKb4LkdIwHu7ixS0bscR1p"
    assert event.gateway_customer_id == "cus_RYhTq3mJ2kLkdI"
    assert event.local_subscription_id == 1
    assert event.status == "active"
    assert event.price_id == "price_1QfKa2LkdIwHu7ixBasicM49"
    assert (event.current_period_start, event.current_period_end) == (JAN_1, FEB_1)
    assert event.cancel_at_period_end is False
    assert event.occurred_at == dt.datetime.fromtimestamp(1767225605, tz=dt.UTC)


def test_subscription_updated_to_past_due_with_the_next_period():
    event = subscription_event_parse(fixture("customer_subscription_updated.json"))
    assert event.status == "past_due"
    assert (event.current_period_start, event.current_period_end) == (FEB_1, MAR_1)


def test_subscription_deleted_is_cancelled():
    event = subscription_event_parse(fixture("customer_subscription_deleted.json"))
    assert event.kind == "subscription" and event.status == "cancelled"


@pytest.mark.parametrize(
    ("stripe_status", "ours"),
    [
        ("trialing", "trialing"),
        ("active", "active"),
        ("past_due", "past_due"),
        ("unpaid", "past_due"),
        ("canceled", "cancelled"),
        ("incomplete", "incomplete"),
        ("incomplete_expired", "cancelled"),
        ("paused", "paused"),
    ],
)
def test_every_stripe_status_is_mapped(stripe_status, ours):
    payload = fixture("customer_subscription_updated.json")
    payload["data"]["object"]["status"] = stripe_status
    assert subscription_event_parse(payload).status == ours


def test_an_older_api_version_keeps_the_period_on_the_subscription():
    payload = fixture("customer_subscription_updated.json")
    sub = payload["data"]["object"]
    for item in sub["items"]["data"]:
        del item["current_period_start"], item["current_period_end"]
    sub["current_period_start"], sub["current_period_end"] = 1767225600, 1769904000
    event = subscription_event_parse(payload)
    assert (event.current_period_start, event.current_period_end) == (JAN_1, FEB_1)


def test_invoice_paid():
    event = subscription_event_parse(fixture("invoice_paid.json"))

    assert event.kind == "invoice_paid"
    assert event.gateway_subscription_id == "sub_1QfKb4LkdIwHu7ixS0bscR1p"
    assert event.gateway_invoice_id == "in_1QfKb5LkdIwHu7ixInv0ice1"
    assert event.local_subscription_id == 1
    assert event.amount_minor == 5831 and event.currency == "EUR"
    assert event.billing_reason == "subscription_create"
    assert event.price_id == "price_1QfKa2LkdIwHu7ixBasicM49"
    assert (event.current_period_start, event.current_period_end) == (JAN_1, FEB_1)
    [line] = event.lines
    assert (line.amount_minor, line.quantity) == (5831, 1)
    assert (line.period_start, line.period_end) == (JAN_1, FEB_1)
    assert line.description == "1 × Basic (at €58.31 / month)"
    # Its payments are not included in events: the invoice id leads to them (refunds).
    assert event.payment_reference == "in_1QfKb5LkdIwHu7ixInv0ice1"


def test_an_invoice_that_names_its_payment():
    payload = fixture("invoice_paid.json")
    invoice = payload["data"]["object"]
    invoice["payments"] = {
        "object": "list",
        "data": [
            {"status": "paid", "payment": {"type": "payment_intent", "payment_intent": "pi_1"}}
        ],
    }
    assert subscription_event_parse(payload).payment_reference == "pi_1"
    del invoice["payments"]
    invoice["charge"] = "ch_1"  # an older API version
    assert subscription_event_parse(payload).payment_reference == "ch_1"


def test_invoice_payment_failed():
    event = subscription_event_parse(fixture("invoice_payment_failed.json"))

    assert event.kind == "invoice_failed"
    assert event.amount_minor == 5831  # due
    assert event.attempt_count == 1
    assert event.next_attempt_at == dt.datetime.fromtimestamp(1769904000 + 3 * 86400 + 3600, dt.UTC)
    assert event.billing_reason == "subscription_cycle"
    assert (event.current_period_start, event.current_period_end) == (FEB_1, MAR_1)


def test_a_proration_invoice_keeps_its_lines_but_moves_no_period():
    payload = fixture("invoice_paid.json")
    invoice = payload["data"]["object"]
    invoice["billing_reason"] = "subscription_update"
    credit = copy.deepcopy(invoice["lines"]["data"][0])
    credit["amount"] = -1000
    credit["description"] = "Unused time on Basic after 21 Jan 2026"
    for line in (credit, invoice["lines"]["data"][0]):
        line["parent"]["subscription_item_details"]["proration"] = True
    invoice["lines"]["data"].insert(0, credit)

    event = subscription_event_parse(payload)

    assert [line.amount_minor for line in event.lines] == [-1000, 5831]
    assert event.current_period_start is None and event.current_period_end is None


def test_a_subscription_checkout_links_the_subscription_and_customer():
    event = subscription_event_parse(fixture("checkout_session_completed_subscription.json"))

    assert event.kind == "subscription" and event.status is None
    assert event.gateway_subscription_id == "sub_1QfKb4LkdIwHu7ixS0bscR1p"
    assert event.gateway_customer_id == "cus_RYhTq3mJ2kLkdI"
    assert event.local_subscription_id == 1


def test_the_webhook_routes_by_the_sessions_mode():
    assert event_parse(fixture("checkout_session_completed.json")).__class__.__name__ == (
        "GatewayEventData"
    )
    assert event_parse(fixture("checkout_session_completed_subscription.json")).kind == (
        "subscription"
    )
    expired = fixture("checkout_session_completed_subscription.json")
    expired["type"] = "checkout.session.expired"
    with pytest.raises(UnknownEventType):
        event_parse(expired)


def test_an_invoice_without_a_subscription_is_not_ours():
    payload = fixture("invoice_paid.json")
    payload["data"]["object"]["parent"] = None
    with pytest.raises(NotASubscriptionEvent):
        subscription_event_parse(payload)
    with pytest.raises(UnknownEventType):
        event_parse(payload)


@pytest.mark.parametrize(
    "breaks",
    [
        lambda o: o.update(object="charge"),
        lambda o: o.update(id=None),
        lambda o: o.update(status="exploded"),
    ],
    ids=["not-a-subscription", "no-id", "unknown-status"],
)
def test_a_malformed_subscription_is_a_value_error(breaks):
    payload = fixture("customer_subscription_updated.json")
    breaks(payload["data"]["object"])
    with pytest.raises(ValueError):
        subscription_event_parse(payload)


def test_metadata_that_is_not_our_id_links_nothing():
    payload = fixture("customer_subscription_created.json")
    payload["data"]["object"]["metadata"]["subscription_id"] = "1; DROP"
    assert subscription_event_parse(payload).local_subscription_id is None


def _break_parent(invoice):
    invoice["parent"] = "sub_1"


def _break_period(invoice):
    invoice["lines"]["data"][0]["period"] = ["x"]


def _break_pricing(invoice):
    invoice["lines"]["data"][0]["pricing"] = {"price_details": "price_1"}


def _break_payment(invoice):
    invoice["payments"] = {"object": "list", "data": [{"status": "paid", "payment": "pi_1"}]}


def _break_line_parent(invoice):
    invoice["lines"]["data"][0]["parent"] = 7


@pytest.mark.parametrize(
    "breaks", [_break_parent, _break_period, _break_pricing, _break_payment, _break_line_parent]
)
def test_signed_but_malformed_nested_values_never_crash_the_parser(breaks):
    payload = fixture("invoice_paid.json")
    breaks(payload["data"]["object"])
    # A 400 (or ignored), never an AttributeError (a 500 Stripe retries for days).
    with contextlib.suppress(ValueError, NotASubscriptionEvent):
        subscription_event_parse(payload)


@pytest.mark.django_db
def test_a_malformed_nested_value_is_a_400_at_the_webhook(stripe_settings, client):
    payload = fixture("invoice_paid.json")
    payload["data"]["object"]["lines"]["data"][0]["period"] = ["x"]
    payload["data"]["object"]["parent"] = ["sub_1"]
    answer = webhook_post(client, sign(payload))
    assert answer.status_code == 400


def test_the_metadata_business_id_is_read_for_the_link_check():
    assert metadata_business_id(fixture("invoice_paid.json")) == 1
    assert metadata_business_id(fixture("customer_subscription_created.json")) is not None
    payload = fixture("invoice_paid.json")
    payload["data"]["object"]["parent"]["subscription_details"]["metadata"] = {
        "subscription_id": "1"
    }
    assert metadata_business_id(payload) is None


def test_an_empty_line_description_is_left_for_the_plan_name():
    payload = fixture("invoice_paid.json")
    payload["data"]["object"]["lines"]["data"][0]["description"] = None
    [line] = subscription_event_parse(payload).lines
    assert line.description == ""

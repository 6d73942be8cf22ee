"""POST /hooks/razorpay/ with Razorpay's documented payloads (fixtures/), signed like Razorpay
signs them: verified before parsing, applied once per signed body."""

import dataclasses
import datetime as dt
import json

import pytest

from kazan.billing import services
from kazan.billing.gateways import SubscriptionEventData
from kazan.billing.gateways.razorpay.events import (
    HANDLED_TYPES,
    InvoiceLookup,
    UnknownEventType,
    body_event_id,
    event_business_id,
    event_parse,
    notes_business_id,
)
from kazan.billing.gateways.razorpay.tests.fake_razorpay_events import (
    FIXTURES,
    WEBHOOK_URL,
    fixture,
)
from kazan.billing.gateways.razorpay.webhooks import BODY_MAX
from kazan.billing.models import GatewayEvent
from kazan.billing.services import GatewayEventData
from kazan.messaging.queries import sms_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(razorpay_settings, business, owner, packages):
    """A Business package bought through Razorpay: an open order on the fake."""
    return services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    ).payment


def test_every_fixture_is_a_handled_event_and_parses():
    names = sorted(path.stem for path in FIXTURES.glob("*.json"))
    assert len(names) == 11
    parsed = {}
    for name in names:
        event = json.loads((FIXTURES / f"{name}.json").read_text())
        assert event["event"] in HANDLED_TYPES
        parsed[event["event"]] = event_parse(event, event_id="Evt0000001")

    charged = parsed["subscription.charged"]
    assert isinstance(charged, SubscriptionEventData) and charged.kind == "invoice_paid"
    assert (charged.payment_reference, charged.gateway_invoice_id) == (
        "pay_00000000000001",
        "inv_00000000000001",
    )
    assert (charged.amount_minor, charged.currency) == (4900, "EUR")
    assert charged.current_period_start == dt.datetime.fromtimestamp(1580453311, dt.UTC)
    assert charged.current_period_end == dt.datetime.fromtimestamp(1583130000, dt.UTC)
    assert charged.billing_reason == "subscription_create"  # paid_count 1
    assert charged.local_subscription_id == 1 and charged.price_id == "plan_00000000000001"
    statuses = {
        name: data.status
        for name, data in parsed.items()
        if isinstance(data, SubscriptionEventData) and data.kind == "subscription"
    }
    assert statuses == {
        # the first charge (start_at) is after the event: the trial runs on
        "subscription.authenticated": "trialing",
        "subscription.activated": "active",
        "subscription.pending": "past_due",
        "subscription.halted": "past_due",
        "subscription.cancelled": "cancelled",
        "subscription.completed": "cancelled",
        "subscription.updated": "active",
    }
    assert isinstance(parsed["payment.failed"], InvoiceLookup)
    for name in ("payment.captured", "order.paid"):
        order = parsed[name]
        assert isinstance(order, GatewayEventData)
        assert (order.reference, order.outcome, order.amount_minor) == (
            "order_00000000000001",
            "paid",
            4900,
        )


def test_authenticated_without_a_trial_left_is_incomplete():
    event = fixture("subscription.authenticated")
    event["payload"]["subscription"]["entity"]["start_at"] = event["created_at"]
    assert event_parse(event, event_id="Evt1").status == "incomplete"
    del event["created_at"]  # no event time: now; a start date in 2020 is past
    assert event_parse(event, event_id="Evt1").status == "incomplete"


def test_unknown_and_malformed_events():
    with pytest.raises(UnknownEventType):
        event_parse({**fixture("order.paid"), "event": "refund.processed"}, event_id="Evt1")
    with pytest.raises(ValueError):
        event_parse(fixture("order.paid"), event_id="")
    with pytest.raises(ValueError):
        event_parse(fixture("order.paid"), event_id="evt with spaces")
    with pytest.raises(ValueError):
        event_parse({"event": "order.paid"}, event_id="Evt1")
    broken = fixture("subscription.charged")
    del broken["payload"]["payment"]
    with pytest.raises(ValueError):
        event_parse(broken, event_id="Evt1")
    # A subscription's captured payment: subscription.charged says it all.
    with pytest.raises(UnknownEventType):
        event_parse(fixture("subscription.charged") | {"event": "payment.captured"}, event_id="E")


def test_a_paid_order_credits_the_package_once(order, fake_razorpay, client, business):
    captured, paid = fake_razorpay.order_pay(order.gateway_reference)

    answers = [d.post(client).json()["status"] for d in (captured, paid, captured)]

    assert answers == ["applied", "unchanged", "duplicate"]
    order.refresh_from_db()
    assert order.status == "paid"
    assert sms_balance(business=business) == 1000
    assert GatewayEvent.objects.get(event_id=body_event_id(captured.body.encode())).payment == order


def test_a_replayed_body_under_a_fresh_event_id_is_a_duplicate(
    order, fake_razorpay, client, business
):
    captured, _paid = fake_razorpay.order_pay(order.gateway_reference)
    replayed = dataclasses.replace(captured, event_id="FreshHeaderId1")

    answers = [d.post(client).json()["status"] for d in (captured, replayed)]

    assert answers == ["applied", "duplicate"]
    assert sms_balance(business=business) == 1000
    assert GatewayEvent.objects.count() == 1


def test_a_failed_attempt_leaves_the_order_open(order, fake_razorpay, client):
    [failed] = fake_razorpay.order_fail(order.gateway_reference)

    assert failed.post(client).json() == {"status": "ignored"}
    order.refresh_from_db()
    assert order.status == "pending"


def test_signature_checks(order, fake_razorpay, client, settings, business):
    _captured, paid = fake_razorpay.order_pay(order.gateway_reference)
    headers = paid.headers()
    forged = {**headers, "HTTP_X_RAZORPAY_SIGNATURE": fake_razorpay.sign(paid.body + " ")}

    answers = [
        client.post(WEBHOOK_URL, paid.body, content_type="application/json", **forged),
        client.post(
            WEBHOOK_URL,
            paid.body,
            content_type="application/json",
            HTTP_X_RAZORPAY_EVENT_ID=paid.event_id,
        ),
        client.post(
            WEBHOOK_URL,
            paid.body,
            content_type="application/json",
            **{**headers, "HTTP_X_RAZORPAY_SIGNATURE": "ü" * 64},
        ),
        client.post(
            WEBHOOK_URL,
            b"\xff" + paid.body.encode(),
            content_type="application/json",
            **{**headers, "HTTP_X_RAZORPAY_SIGNATURE": "00"},
        ),
    ]
    settings.RAZORPAY_WEBHOOK_SECRET = ""
    unconfigured = paid.post(client)

    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert answers[0].json()["message"] == "Invalid signature."
    assert unconfigured.status_code == 400
    assert GatewayEvent.objects.count() == 0
    order.refresh_from_db()
    assert order.status == "pending" and sms_balance(business=business) == 0


def test_signed_but_not_an_event_or_without_an_id_is_400(fake_razorpay, razorpay_settings, client):
    body = "[1, 2]"
    not_event = client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=fake_razorpay.sign(body),
        HTTP_X_RAZORPAY_EVENT_ID="Evt1",
    )
    no_id = fake_razorpay.delivery(fixture("order.paid"), event_id="")
    assert not_event.status_code == 400
    assert no_id.post(client).status_code == 400


def test_an_unknown_event_type_is_acknowledged(fake_razorpay, razorpay_settings, client):
    delivery = fake_razorpay.delivery({**fixture("order.paid"), "event": "refund.processed"})
    assert delivery.post(client).json() == {"status": "ignored"}


def test_an_oversized_body_is_refused_unread(fake_razorpay, razorpay_settings, client):
    body = json.dumps({**fixture("order.paid"), "pad": "x" * BODY_MAX})
    response = client.post(
        WEBHOOK_URL,
        body,
        content_type="application/json",
        HTTP_X_RAZORPAY_SIGNATURE=fake_razorpay.sign(body),
        HTTP_X_RAZORPAY_EVENT_ID="Evt1",
    )
    assert response.status_code == 413


def test_only_post(client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_subscription_events_carry_when_they_happened_and_the_notes_business():
    event = fixture("subscription.charged")
    parsed = event_parse(event, event_id="Evt1")
    assert parsed.occurred_at == dt.datetime.fromtimestamp(event["created_at"], tz=dt.UTC)
    notes = event["payload"]["subscription"]["entity"]["notes"]
    assert event_business_id(event) == notes_business_id(notes)
    assert notes_business_id({"business_id": "12"}) == 12
    assert notes_business_id({"business_id": "1; x"}) is None

"""POST /hooks/stripe/ with Stripe's documented event payloads (fixtures/), signed like Stripe
signs them: credits arrive once per payment whatever the number of deliveries."""

import json
import logging
import time

import pytest

from kazan.billing import services
from kazan.billing.gateways.stripe.testing import fixture
from kazan.billing.gateways.stripe.tests.conftest import WEBHOOK_URL, signed
from kazan.billing.models import GatewayEvent, Payment
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkout(stripe_settings, fake_stripe, business, owner, packages):
    """A Business package checkout started through the SDK, open on the fake Stripe."""
    started = services.package_upgrade_start(
        business=business, package=packages["business"], actor=owner
    )
    return started.payment


def _purchases(business) -> int:
    return SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count()


def test_completed_checkout_credits_the_package_once(checkout, fake_stripe, deliver, business):
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")

    response = deliver(event)

    assert response.status_code == 200
    assert response.json() == {"status": "applied"}
    checkout.refresh_from_db()
    assert checkout.status == "paid" and checkout.paid_at is not None
    assert sms_balance(business=business) == 1000
    assert services.subscription_for(business).package.key == "business"
    assert GatewayEvent.objects.get(event_id=event["id"]).payment == checkout


def test_the_same_event_delivered_three_times_credits_once(
    checkout, fake_stripe, deliver, business
):
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")

    statuses = [deliver(event).json()["status"] for _ in range(3)]

    assert statuses == ["applied", "duplicate", "duplicate"]
    assert sms_balance(business=business) == 1000
    assert _purchases(business) == 1


def test_a_second_event_for_a_paid_session_changes_nothing(
    checkout, fake_stripe, deliver, business
):
    """Stripe may send completed and async_payment_succeeded for one session."""
    fake_stripe.complete(checkout.gateway_reference)
    deliver(fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed"))
    again = fake_stripe.event_for(
        checkout.gateway_reference, "checkout.session.async_payment_succeeded"
    )
    assert deliver(again).json() == {"status": "unchanged"}
    assert sms_balance(business=business) == 1000


def test_a_bad_signature_is_400_and_credits_nothing(checkout, fake_stripe, client, business):
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")

    wrong_secret = client.post(WEBHOOK_URL, **signed(event, secret="whsec_someone_else"))
    no_header = client.post(WEBHOOK_URL, json.dumps(event), content_type="application/json")
    request = signed(event)
    request["data"] = request["data"].replace('"amount_total": 2900', '"amount_total": 1')
    tampered = client.post(WEBHOOK_URL, **request)
    stale = client.post(WEBHOOK_URL, **signed(event, timestamp=int(time.time()) - 3600))

    assert [r.status_code for r in (wrong_secret, no_header, tampered, stale)] == [400] * 4
    checkout.refresh_from_db()
    assert checkout.status == "pending"
    assert sms_balance(business=business) == 0
    assert not GatewayEvent.objects.exists()


def test_without_a_configured_secret_every_delivery_is_refused(
    checkout, fake_stripe, client, settings
):
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    request = signed(event)
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert client.post(WEBHOOK_URL, **request).status_code == 400


def test_unknown_event_types_are_200_ignored_and_logged(stripe_settings, deliver, caplog):
    with caplog.at_level(logging.INFO, logger="kazan.hooks.stripe"):
        response = deliver(fixture("customer_created.json"))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    assert "ignored event type customer.created" in caplog.text
    assert not GatewayEvent.objects.exists()


def test_an_expired_session_cancels_the_payment(checkout, fake_stripe, deliver, business):
    fake_stripe.expire(checkout.gateway_reference)
    response = deliver(
        fake_stripe.event_for(checkout.gateway_reference, "checkout.session.expired")
    )
    assert response.json() == {"status": "applied"}
    checkout.refresh_from_db()
    assert checkout.status == "cancelled"
    assert sms_balance(business=business) == 0


def test_a_delayed_payment_waits_then_succeeds(checkout, fake_stripe, deliver, business):
    fake_stripe.complete(checkout.gateway_reference, payment_status="unpaid")
    completed = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    assert deliver(completed).json() == {"status": "ignored"}
    assert sms_balance(business=business) == 0

    fake_stripe.complete(checkout.gateway_reference, payment_status="paid")
    succeeded = fake_stripe.event_for(
        checkout.gateway_reference, "checkout.session.async_payment_succeeded"
    )
    assert deliver(succeeded).json() == {"status": "applied"}
    assert sms_balance(business=business) == 1000


def test_a_failed_delayed_payment_fails_the_payment(checkout, fake_stripe, deliver, business):
    fake_stripe.complete(checkout.gateway_reference, payment_status="unpaid")
    failed = fake_stripe.event_for(
        checkout.gateway_reference, "checkout.session.async_payment_failed"
    )
    assert deliver(failed).json() == {"status": "applied"}
    checkout.refresh_from_db()
    assert checkout.status == "failed"
    # A late success for a failed payment credits nothing.
    fake_stripe.complete(checkout.gateway_reference)
    late = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    assert deliver(late).json() == {"status": "unchanged"}
    assert sms_balance(business=business) == 0


def test_an_amount_that_does_not_match_the_price_credits_nothing(
    checkout, fake_stripe, deliver, business
):
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    event["data"]["object"]["amount_total"] = 100

    assert deliver(event).json() == {"status": "mismatch"}
    assert Payment.objects.get(pk=checkout.pk).status == "pending"
    assert sms_balance(business=business) == 0


def test_an_unknown_session_is_200_and_changes_nothing(stripe_settings, deliver, business):
    event = fixture("checkout_session_completed.json")
    assert deliver(event).json() == {"status": "unknown_payment"}
    assert sms_balance(business=business) == 0


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"object": "event"}',
        json.dumps(
            {
                "id": "evt_1",
                "object": "event",
                "type": "checkout.session.completed",
                "data": {"object": "x"},
            }
        ),
    ],
)
def test_signed_junk_is_a_400_not_a_500(stripe_settings, client, body):
    response = client.post(WEBHOOK_URL, **signed(body))
    assert response.status_code == 400


@pytest.mark.parametrize(
    "event_id",
    ["evt_" + "a" * 252, "evt_1\x00", "evt_1\ud800", "", "evt_1 OR 1=1", 12345],
    ids=["too-long", "nul", "lone-surrogate", "empty", "not-stripe", "number"],
)
def test_a_signed_event_with_an_impossible_id_is_a_400_and_stores_nothing(
    checkout, fake_stripe, client, business, event_id
):
    """Such an event can never be deduplicated; Stripe would retry a 500 for days."""
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    event["id"] = event_id

    response = client.post(WEBHOOK_URL, **signed(event))

    assert response.status_code == 400
    assert response.json()["code"] in {"invalid", "invalid_text"}
    assert not GatewayEvent.objects.exists()
    assert _purchases(business) == 0


def test_only_post_is_allowed(stripe_settings, client):
    assert client.get(WEBHOOK_URL).status_code == 405


def test_a_paid_event_without_an_amount_credits_nothing(checkout, fake_stripe, deliver, business):
    fake_stripe.complete(checkout.gateway_reference)
    event = fake_stripe.event_for(checkout.gateway_reference, "checkout.session.completed")
    del event["data"]["object"]["amount_total"]

    assert deliver(event).json()["status"] == "mismatch"
    checkout.refresh_from_db()
    assert checkout.status == "pending"
    assert sms_balance(business=business) == 0

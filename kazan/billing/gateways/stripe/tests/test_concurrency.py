"""8 concurrent deliveries of one paid event on PostgreSQL: the credits arrive exactly once."""

import pytest
from django.test import Client

from kazan.billing import services
from kazan.billing.gateways.stripe.tests.conftest import WEBHOOK_URL, signed
from kazan.billing.models import GatewayEvent
from kazan.core.testing import run_in_threads_numbered
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_credit_exactly_once(
    stripe_settings, fake_stripe, business, owner, packages
):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner
    ).payment
    fake_stripe.complete(payment.gateway_reference)
    event = fake_stripe.event_for(payment.gateway_reference, "checkout.session.completed")
    # Half the deliveries carry the same event id (Stripe retries), half another event for the
    # same session (e.g. completed and async_payment_succeeded): still one credit.
    other = {**event, "id": event["id"] + "b"}
    threads = 8
    requests = [signed(event if n % 2 else other) for n in range(threads)]  # signed up front

    def deliver(n: int) -> tuple[int, str]:
        response = Client().post(WEBHOOK_URL, **requests[n])
        return response.status_code, response.json()["status"]

    answers = run_in_threads_numbered(threads, deliver)
    assert not [r for r in answers if isinstance(r, Exception)], answers
    results = [r for r in answers if not isinstance(r, Exception)]
    assert [code for code, _ in results] == [200] * threads
    statuses = [status for _, status in results]
    assert statuses.count("applied") == 1
    assert statuses.count("unchanged") == 1
    assert statuses.count("duplicate") == threads - 2
    assert sms_balance(business=business) == 5000
    assert SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count() == 1
    assert GatewayEvent.objects.count() == 2
    payment.refresh_from_db()
    assert payment.status == "paid"

"""20 concurrent deliveries of one signed OxaPay callback on PostgreSQL: applied exactly once."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from kazan.billing import services
from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY, callback_post
from kazan.billing.models import GatewayEvent
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

DELIVERIES = 20


def deliver_concurrently(body: bytes, key: str, *, hook_key: str = "") -> list[tuple[int, bytes]]:
    """POSTs `body` signed with `key` from DELIVERIES threads released together."""
    barrier = threading.Barrier(DELIVERIES)
    answers: list[tuple[int, bytes]] = []
    lock = threading.Lock()

    def deliver() -> None:
        try:
            client = Client()
            barrier.wait()
            response = callback_post(client, body, key, hook_key=hook_key)
            with lock:
                answers.append((response.status_code, response.content))
        finally:
            connections.close_all()

    workers = [threading.Thread(target=deliver) for _ in range(DELIVERIES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_paid_callbacks_credit_a_package_exactly_once(
    oxapay_settings, fake_oxapay, business, owner, packages
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serializes all writers, so there is no race")
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner, gateway_key="oxapay"
    ).payment
    fake_oxapay.status_set(payment.gateway_reference, "Paid")
    body = fake_oxapay.callback_for(payment.gateway_reference)

    answers = deliver_concurrently(body, MERCHANT_KEY)

    assert answers == [(200, b"ok")] * DELIVERIES
    assert SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count() == 1
    assert sms_balance(business=business) == 5000
    assert GatewayEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == "paid"

"""20 concurrent deliveries of one signed OxaPay callback on PostgreSQL: applied exactly once."""

import pytest
from django.test import Client

from kazan.billing import services
from kazan.billing.gateways.oxapay.testing import MERCHANT_KEY, callback_post
from kazan.billing.models import GatewayEvent
from kazan.core.testing import run_in_threads
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance

DELIVERIES = 20


def deliver_concurrently(
    body: bytes, key: str, *, hook_key: str = ""
) -> list[tuple[int, bytes] | Exception]:
    """POSTs `body` signed with `key` from DELIVERIES threads released together: each one's
    status and body, or what it raised."""

    def deliver() -> tuple[int, bytes]:
        response = callback_post(Client(), body, key, hook_key=hook_key)
        return response.status_code, response.content

    return run_in_threads(DELIVERIES, deliver)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_paid_callbacks_credit_a_package_exactly_once(
    oxapay_settings, fake_oxapay, business, owner, packages
):
    payment = services.package_upgrade_start(
        business=business, package=packages["pro"], actor=owner, gateway_key="oxapay"
    ).payment
    fake_oxapay.status_set(payment.gateway_reference, "Paid")
    body = fake_oxapay.callback_for(payment.gateway_reference)

    answers = deliver_concurrently(body, MERCHANT_KEY)

    assert answers == [(200, b"ok")] * DELIVERIES, answers
    assert SmsCreditEntry.objects.filter(business=business, kind=Kind.PURCHASE).count() == 1
    assert sms_balance(business=business) == 5000
    assert GatewayEvent.objects.count() == 1
    payment.refresh_from_db()
    assert payment.status == "paid"

"""The "messages" GDPR section: export with the number and text, erasure that keeps counts."""

import pytest

from kazan.core.gdpr import gdpr_sections
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging import gdpr
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.queries import sms_balance, sms_usage
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(business):
    return CustomerFactory(business=business)


def test_messages_section_is_registered():
    section = next(s for s in gdpr_sections() if s.name == "messages")
    assert section.export is gdpr.messages_export
    assert section.erase is gdpr.messages_erase


def test_export_has_the_customers_messages_also_those_sent_before_they_were_one(
    business, other_business, customer
):
    credits_given(business, 10)
    credits_given(other_business, 10)
    # An OTP to the number before the customer existed, a message linked to the customer,
    # someone else's message, and another business's message to the same number
    sms_send(business=business, to=customer.phone_e164, body="Code 123456", purpose="otp")
    sms_send(
        business=business,
        to=customer.phone_e164,
        body="Thanks!",
        purpose="transactional",
        customer=customer,
    )
    sms_send(business=business, to="+491701234567", body="Not theirs", purpose="otp")
    sms_send(business=other_business, to=customer.phone_e164, body="Other shop", purpose="otp")
    tasks_run_all()
    exported = gdpr.messages_export(business, customer)
    assert [m["body"] for m in exported] == ["Code 123456", "Thanks!"]
    assert exported[0]["to"] == customer.phone_e164
    assert exported[0]["status"] == "delivered"
    assert exported[0]["delivered_at"]


def test_erase_blanks_number_and_text_and_keeps_the_statistics(business, customer):
    credits_given(business, 10)
    sent = sms_send(
        business=business,
        to=customer.phone_e164,
        body="Thanks!",
        purpose="transactional",
        customer=customer,
    )
    tasks_run_all()
    before = sms_usage(business=business)
    gdpr.messages_erase(business, customer)
    sent.refresh_from_db()
    assert (sent.to, sent.to_index, sent.body, sent.customer) == ("", "", "[erased]", None)
    assert sent.status == Status.DELIVERED
    assert sms_usage(business=business) == before
    assert gdpr.messages_export(business, customer) == []


def test_erase_cancels_unsent_messages_and_refunds_them(business, customer):
    credits_given(business, 10)
    pending = sms_send(
        business=business, to=customer.phone_e164, body="Reminder", purpose="transactional"
    )
    assert sms_balance(business=business) == 9
    gdpr.messages_erase(business, customer)
    pending.refresh_from_db()
    assert (pending.status, pending.error_code) == (Status.FAILED, "erased")
    assert sms_balance(business=business) == 10
    tasks_run_all()  # nothing left to send to
    assert OutboundMessage.objects.get(pk=pending.pk).status == Status.FAILED


def test_erase_leaves_other_people_and_businesses_alone(business, other_business, customer):
    credits_given(business, 10)
    credits_given(other_business, 10)
    theirs = sms_send(business=other_business, to=customer.phone_e164, body="B", purpose="otp")
    someone = sms_send(business=business, to="+491701234567", body="C", purpose="otp")
    gdpr.messages_erase(business, customer)
    theirs.refresh_from_db()
    someone.refresh_from_db()
    assert (theirs.body, theirs.to) == ("B", customer.phone_e164)
    assert someone.body == "C"

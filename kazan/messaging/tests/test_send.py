"""sms_send: validation, charging, idempotency, consent, and the outbox in the caller's
transaction."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from kazan.activity.models import Activity
from kazan.core.errors import InsufficientCredits, NotFound, PermissionDenied, ValidationFailed
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.models import Kind, OutboundMessage, SmsCreditEntry, Status
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given

pytestmark = pytest.mark.django_db


def test_send_is_charged_and_the_console_provider_delivers_it(business, owner):
    # Given 10 credits
    credits_given(business, 10)
    # When a two-part SMS is sent and the worker runs
    message = sms_send(
        business=business, to=PHONE, body="x" * 200, purpose="transactional", actor=owner
    )
    assert (message.status, message.segments, message.credits) == (Status.QUEUED, 2, 2)
    assert sms_balance(business=business) == 8
    assert tasks_run_all() == 1
    # Then it is delivered, the provider id recorded, and the ledger shows grant and send
    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert message.provider == "console"
    assert message.provider_message_id.startswith("CO")
    assert message.attempts == 1
    assert message.sent_at and message.delivered_at
    entries = list(SmsCreditEntry.objects.filter(business=business).order_by("id"))
    assert [(e.kind, e.amount, e.balance_after) for e in entries] == [
        (Kind.GRANT, 10, 10),
        (Kind.SEND, -2, 8),
    ]
    assert entries[1].message == message
    activity = Activity.objects.get(action="sms.queued")
    assert activity.actor == owner
    assert activity.data == {"purpose": "transactional", "segments": 2}
    assert PHONE not in str(activity.data)


def test_number_is_stored_encrypted_as_e164_from_national_format(business):
    credits_given(business, 1)
    message = sms_send(business=business, to="0151 1234 5678", body="Hi", purpose="transactional")
    assert message.to == PHONE
    from django.db import connection

    with connection.cursor() as cursor:
        column = connection.ops.quote_name("to")
        sql = f"SELECT {column} FROM messaging_outboundmessage WHERE id = %s"  # noqa: S608
        cursor.execute(sql, [message.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:")
    assert PHONE not in stored


def test_same_idempotency_key_returns_the_first_message_and_charges_once(business):
    credits_given(business, 5)
    first = sms_send(
        business=business, to=PHONE, body="Code 1234", purpose="otp", idempotency_key="otp-42"
    )
    again = sms_send(
        business=business, to=PHONE, body="Code 1234", purpose="otp", idempotency_key="otp-42"
    )
    assert again.pk == first.pk
    assert OutboundMessage.objects.count() == 1
    assert sms_balance(business=business) == 4
    assert SmsCreditEntry.objects.filter(kind=Kind.SEND).count() == 1


def test_idempotency_keys_are_per_business(business, other_business):
    credits_given(business, 1)
    credits_given(other_business, 1)
    a = sms_send(business=business, to=PHONE, body="A", purpose="otp", idempotency_key="k")
    b = sms_send(business=other_business, to=PHONE, body="B", purpose="otp", idempotency_key="k")
    assert a.pk != b.pk
    assert a.delivery_key != b.delivery_key  # what the provider dedupes by never collides


def test_not_enough_credits_refuses_and_writes_nothing(business):
    credits_given(business, 1)
    with pytest.raises(InsufficientCredits):
        sms_send(business=business, to=PHONE, body="y" * 161, purpose="transactional")
    assert OutboundMessage.objects.count() == 0
    assert sms_balance(business=business) == 1


def test_no_credit_account_at_all_is_insufficient(business):
    with pytest.raises(InsufficientCredits):
        sms_send(business=business, to=PHONE, body="Hi", purpose="transactional")


@pytest.mark.parametrize(
    ("to", "body", "purpose"),
    [
        ("not a number", "Hi", "transactional"),
        ("+49 123", "Hi", "transactional"),
        ("", "Hi", "transactional"),
        (PHONE, "   ", "transactional"),
        (PHONE, "x" * 1601, "transactional"),
        (PHONE, "Hi", "newsletter"),
    ],
)
def test_bad_input_is_a_validation_error(business, to, body, purpose):
    credits_given(business, 50)
    with pytest.raises(ValidationFailed):
        sms_send(business=business, to=to, body=body, purpose=purpose)
    assert OutboundMessage.objects.count() == 0


def test_customer_of_another_business_is_not_found(business, other_business):
    credits_given(business, 5)
    stranger = CustomerFactory(business=other_business)
    with pytest.raises(NotFound):
        sms_send(business=business, to=PHONE, body="Hi", purpose="transactional", customer=stranger)


def test_marketing_needs_the_customers_current_consent(business):
    credits_given(business, 5)
    customer = CustomerFactory(business=business)
    # Without consent: refused
    with pytest.raises(PermissionDenied) as refused:
        sms_send(
            business=business,
            to=customer.phone_e164,
            body="20% off today",
            purpose="marketing",
            customer=customer,
        )
    assert refused.value.code == "no_consent"
    # With consent: sent
    consent_given(customer)
    message = sms_send(
        business=business,
        to=customer.phone_e164,
        body="20% off today",
        purpose="marketing",
        customer=customer,
    )
    assert message.customer == customer
    # After withdrawal (a STOP): refused again
    consent_given(customer, granted=False)
    with pytest.raises(PermissionDenied):
        sms_send(
            business=business,
            to=customer.phone_e164,
            body="Last chance",
            purpose="marketing",
            customer=customer,
        )
    assert sms_balance(business=business) == 4


def test_marketing_without_a_customer_is_refused(business):
    credits_given(business, 5)
    with pytest.raises(ValidationFailed):
        sms_send(business=business, to=PHONE, body="Offer", purpose="marketing")


@pytest.mark.django_db(transaction=True)
def test_outbox_commits_with_the_callers_transaction(business):
    credits_given(business, 5)
    # When the caller's transaction commits: message, charge and delivery task exist
    with transaction.atomic():
        message = sms_send(business=business, to=PHONE, body="Booked", purpose="transactional")
    assert OutboundMessage.objects.filter(pk=message.pk).exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "kazan.messaging.tasks.outbox_deliver"
    assert task.args_kwargs == {"args": [message.pk], "kwargs": {}}
    assert sms_balance(business=business) == 4


@pytest.mark.django_db(transaction=True)
def test_outbox_rolls_back_with_the_callers_transaction(business):
    credits_given(business, 5)

    class BookingFailed(Exception):
        pass

    # When the change that caused the SMS fails after sms_send
    with pytest.raises(BookingFailed), transaction.atomic():
        sms_send(business=business, to=PHONE, body="Booked", purpose="transactional")
        raise BookingFailed()
    # Then there is no message, no charge and no task
    assert OutboundMessage.objects.count() == 0
    assert SmsCreditEntry.objects.filter(kind=Kind.SEND).count() == 0
    assert sms_balance(business=business) == 5
    assert DBTaskResult.objects.count() == 0

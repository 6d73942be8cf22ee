"""The SMS credit ledger: idempotent credits, staff adjustments, an append-only history whose sum
is the balance, and a balance that never goes below zero, also under concurrent spending."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kazan.activity.models import Activity
from kazan.core.errors import (
    Conflict,
    InsufficientCredits,
    PermissionDenied,
    ValidationFailed,
)
from kazan.core.testing import run_in_threads_numbered
from kazan.messaging import ledger
from kazan.messaging.models import Kind, SmsCreditAccount, SmsCreditEntry
from kazan.messaging.queries import ledger_entries, sms_balance, sms_usage
from kazan.messaging.services import (
    sms_credits_adjust,
    sms_credits_grant,
    sms_credits_purchase,
    sms_send,
)
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, OutboundMessageFactory
from kazan.tenancy.tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ledger_sum(business) -> int:
    return SmsCreditEntry.objects.filter(business=business).aggregate(s=Sum("amount"))["s"] or 0


def test_grant_adds_credits_with_an_entry_and_an_activity(business, staff_user):
    entry = sms_credits_grant(business=business, amount=100, actor=staff_user, note="Welcome")
    assert (entry.kind, entry.amount, entry.balance_after, entry.actor) == (
        Kind.GRANT,
        100,
        100,
        staff_user,
    )
    assert sms_balance(business=business) == 100
    activity = Activity.objects.get(action="sms_credits.granted")
    assert activity.business == business
    assert activity.data == {"amount": 100, "balance_after": 100}


@pytest.mark.parametrize("amount", [0, -5, 2.5, True, "10"])
def test_grant_refuses_anything_but_a_positive_whole_number(business, staff_user, amount):
    with pytest.raises(ValidationFailed):
        sms_credits_grant(business=business, amount=amount, actor=staff_user)
    assert sms_balance(business=business) == 0


def test_purchase_is_idempotent_by_payment_reference(business):
    first = sms_credits_purchase(business=business, amount=500, reference="pi_123")
    again = sms_credits_purchase(business=business, amount=500, reference="pi_123")
    assert again.pk == first.pk
    assert sms_balance(business=business) == 500
    assert Activity.objects.filter(action="sms_credits.purchased").count() == 1
    assert Activity.objects.get(action="sms_credits.purchased").actor_kind == "system"


def test_purchase_reference_reused_for_another_amount_is_a_conflict(business):
    sms_credits_purchase(business=business, amount=500, reference="pi_123")
    with pytest.raises(Conflict):
        sms_credits_purchase(business=business, amount=100, reference="pi_123")
    assert sms_balance(business=business) == 500


def test_purchase_references_are_per_business(business, other_business):
    sms_credits_purchase(business=business, amount=10, reference="pi_1")
    sms_credits_purchase(business=other_business, amount=20, reference="pi_1")
    assert sms_balance(business=business) == 10
    assert sms_balance(business=other_business) == 20


def test_purchase_needs_a_reference(business):
    with pytest.raises(ValidationFailed):
        sms_credits_purchase(business=business, amount=10, reference=" ")


def test_staff_adjusts_down_but_never_below_zero(business, staff_user):
    sms_credits_grant(business=business, amount=10, actor=staff_user)
    entry = sms_credits_adjust(business=business, amount=-4, actor=staff_user, note="Double grant")
    assert (entry.kind, entry.amount, entry.balance_after) == (Kind.ADJUSTMENT, -4, 6)
    with pytest.raises(InsufficientCredits):
        sms_credits_adjust(business=business, amount=-7, actor=staff_user, note="Too much")
    assert sms_balance(business=business) == 6
    assert Activity.objects.filter(action="sms_credits.adjusted").count() == 1


def test_only_staff_may_adjust_and_only_with_a_reason(business, owner, staff_user):
    with pytest.raises(PermissionDenied):
        sms_credits_adjust(business=business, amount=5, actor=owner, note="Gift to myself")
    with pytest.raises(ValidationFailed):
        sms_credits_adjust(business=business, amount=5, actor=staff_user, note="  ")
    with pytest.raises(ValidationFailed):
        sms_credits_adjust(business=business, amount=0, actor=staff_user, note="Nothing")
    assert sms_balance(business=business) == 0


def test_entries_are_append_only(business, staff_user):
    entry = sms_credits_grant(business=business, amount=10, actor=staff_user)
    entry.amount = 1000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        SmsCreditEntry.objects.filter(pk=entry.pk).update(amount=1000)
    with pytest.raises(TypeError):
        SmsCreditEntry.objects.filter(pk=entry.pk).delete()
    assert SmsCreditEntry.objects.get(pk=entry.pk).amount == 10


def test_the_database_refuses_a_negative_balance(business):
    SmsCreditAccount.objects.create(business=business, balance=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsCreditAccount.objects.filter(business=business).update(balance=-1)


def test_refund_happens_at_most_once_per_message(business, staff_user):
    sms_credits_grant(business=business, amount=3, actor=staff_user)
    message = sms_send(business=business, to=PHONE, body="Hi", purpose="otp")
    assert ledger.credits_refund(business=business, message=message) is not None
    assert ledger.credits_refund(business=business, message=message) is None
    assert sms_balance(business=business) == 3
    # and the database itself refuses a second refund row
    with pytest.raises(IntegrityError), transaction.atomic():
        SmsCreditEntry.objects.create(
            business=business, kind=Kind.REFUND, amount=1, balance_after=4, message=message
        )


def test_usage_counts_messages_and_net_credits(business, staff_user):
    sms_credits_grant(business=business, amount=20, actor=staff_user)
    sms_send(business=business, to=PHONE, body="a" * 170, purpose="transactional")  # 2 credits
    failed = sms_send(business=business, to=PHONE, body="b", purpose="transactional")
    tasks_run_all()  # console: both delivered
    from kazan.messaging.services import sms_status_update

    failed.refresh_from_db()
    failed.status = "sent"
    type(failed).objects.filter(pk=failed.pk).update(status="sent")
    sms_status_update(
        provider="console", provider_message_id=failed.provider_message_id, report="failed"
    )
    OutboundMessageFactory(business=business, status="queued")  # uncharged, still waiting
    usage = sms_usage(business=business)
    assert usage == {"sent": 1, "delivered": 1, "failed": 1, "pending": 1, "credits_used": 2}
    assert sms_balance(business=business) == 18
    assert [e.kind for e in ledger_entries(business=business)] == [
        Kind.REFUND,
        Kind.SEND,
        Kind.SEND,
        Kind.GRANT,
    ]


def test_ledger_queries_are_scoped_to_the_business(business, other_business, staff_user):
    sms_credits_grant(business=business, amount=5, actor=staff_user)
    sms_credits_grant(business=other_business, amount=7, actor=staff_user)
    assert [e.amount for e in ledger_entries(business=business)] == [5]
    assert sms_balance(business=other_business) == 7


_operations = st.lists(
    st.tuples(
        st.sampled_from(["grant", "purchase", "adjust", "send", "fail"]),
        st.integers(min_value=-30, max_value=60),
    ),
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=_operations)
def test_ledger_invariants_hold_for_any_sequence_of_operations(operations):
    """Whatever happens: balance >= 0, balance == sum(entries), each entry's balance_after is
    the running sum, and a refused operation changes nothing."""
    from kazan.accounts.models import User

    business = BusinessFactory()
    # Examples share the test's transaction: one staff user serves them all.
    staff = User.objects.filter(is_staff=True).first() or UserFactory(is_staff=True)
    sent = []
    for number, (operation, amount) in enumerate(operations):
        before = sms_balance(business=business)
        try:
            if operation == "grant":
                sms_credits_grant(business=business, amount=amount, actor=None)
            elif operation == "purchase":
                sms_credits_purchase(business=business, amount=amount, reference=f"p{amount}")
            elif operation == "adjust":
                sms_credits_adjust(business=business, amount=amount, actor=staff, note="fix")
            elif operation == "send":
                body = "x" * max(1, abs(amount) * 10)
                sent.append(sms_send(business=business, to=PHONE, body=body, purpose="otp"))
            elif operation == "fail" and sent:
                ledger.credits_refund(business=business, message=sent[amount % len(sent)])
        except (ValidationFailed, InsufficientCredits, Conflict):
            assert sms_balance(business=business) == before, (number, operation)
        balance = sms_balance(business=business)
        assert balance >= 0
        assert balance == _ledger_sum(business)
    running = 0
    for entry in SmsCreditEntry.objects.filter(business=business).order_by("id"):
        running += entry.amount
        assert entry.balance_after == running


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_sends_never_overspend(business, staff_user):
    """16 threads each try 20 sends at once against 100 credits: exactly 100 succeed."""
    sms_credits_grant(business=business, amount=100, actor=staff_user)
    threads, per_thread = 16, 20

    def spend(worker: int) -> list[str]:
        outcomes = []
        for attempt in range(per_thread):
            try:
                sms_send(
                    business=business,
                    to=PHONE,
                    body=f"{worker}-{attempt}",
                    purpose="otp",
                    idempotency_key=f"{worker}-{attempt}",
                )
                outcomes.append("ok")
            except InsufficientCredits:
                outcomes.append("short")
        return outcomes

    per_worker = run_in_threads_numbered(threads, spend)
    assert not [r for r in per_worker if isinstance(r, Exception)], per_worker
    results = [outcome for outcomes in per_worker for outcome in outcomes]
    assert len(results) == threads * per_thread
    assert results.count("ok") == 100
    assert sms_balance(business=business) == 0
    assert _ledger_sum(business) == 0
    assert SmsCreditEntry.objects.filter(business=business, kind=Kind.SEND).count() == 100
    assert business.outbound_messages.count() == 100
    assert not SmsCreditEntry.objects.filter(balance_after__lt=0).exists()

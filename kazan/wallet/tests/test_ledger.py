"""The token ledger: every change is an entry whose running sum is the balance; credits and
refunds happen once per reference; adjustments need a reason; a short debit writes nothing;
the low-balance notice goes out once per fall; concurrent debits on PostgreSQL never
overdraw."""

import pytest

from kazan.activity.models import Activity
from kazan.core.errors import ValidationFailed
from kazan.core.ledger import balance_move
from kazan.core.testing import run_in_threads, run_in_threads_numbered
from kazan.messaging.models import OutboundMessage
from kazan.wallet import queries, services
from kazan.wallet.errors import InsufficientTokens
from kazan.wallet.models import TokenAccount, TokenEntry
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def _sum(customer) -> int:
    return sum(
        TokenEntry.objects.filter(account__customer=customer).values_list("amount", flat=True)
    )


def test_balance_move_refuses_a_short_debit_and_changes_nothing(business):
    customer = wallet_customer(business, tokens=10)
    accounts = TokenAccount.objects.filter(customer=customer)
    with pytest.raises(LookupError):
        balance_move(accounts=accounts, amount=-11, short=LookupError)
    assert balance_move(accounts=accounts, amount=-10, short=LookupError) == 0
    with pytest.raises(ValueError):
        balance_move(accounts=accounts, amount=0, short=LookupError)


def test_credit_then_debit_keeps_entries_and_balance_in_step(business):
    customer = wallet_customer(business, tokens=300)
    entry = services.tokens_debit(
        business=business, customer=customer, amount=120, reference="order:1"
    )
    assert entry.amount == -120 and entry.balance_after == 180
    assert queries.token_balance(business=business, customer=customer) == 180 == _sum(customer)
    assert [e.amount for e in queries.token_entries(business=business, customer=customer)] == [
        -120,
        300,
    ]
    assert Activity.objects.filter(action="tokens.debited", data__amount=-120).exists()


def test_a_credit_of_the_same_reference_happens_once(business):
    customer = wallet_customer(business)
    first = services.tokens_credit(
        business=business, customer=customer, amount=100, kind="purchase", reference="purchase:7"
    )
    again = services.tokens_credit(
        business=business, customer=customer, amount=100, kind="purchase", reference="purchase:7"
    )
    assert first is not None and again is None
    assert queries.token_balance(business=business, customer=customer) == 100


def test_refund_gives_back_the_order_debit_once(business):
    customer = wallet_customer(business, tokens=200)
    services.tokens_debit(business=business, customer=customer, amount=150, reference="order:9")
    refund = services.tokens_refund(business=business, customer=customer, reference="order:9")
    assert refund is not None and refund.amount == 150 and refund.kind == "refund"
    assert services.tokens_refund(business=business, customer=customer, reference="order:9") is None
    assert (
        services.tokens_refund(business=business, customer=customer, reference="order:404") is None
    )
    assert queries.token_balance(business=business, customer=customer) == 200 == _sum(customer)


def test_a_repeated_debit_of_one_order_is_charged_once(business):
    customer = wallet_customer(business, tokens=200)
    first = services.tokens_debit(
        business=business, customer=customer, amount=50, reference="order:3"
    )
    again = services.tokens_debit(
        business=business, customer=customer, amount=50, reference="order:3"
    )
    assert again.pk == first.pk
    assert queries.token_balance(business=business, customer=customer) == 150


def test_insufficient_tokens_leaves_nothing(business):
    customer = wallet_customer(business, tokens=40)
    before = (TokenEntry.objects.count(), Activity.objects.count())
    with pytest.raises(InsufficientTokens) as raised:
        services.tokens_debit(business=business, customer=customer, amount=41, reference="order:2")
    assert raised.value.balance == 40 and raised.value.needed == 41
    assert raised.value.code == "insufficient_tokens"
    assert (TokenEntry.objects.count(), Activity.objects.count()) == before
    assert queries.token_balance(business=business, customer=customer) == 40


def test_a_customer_without_an_account_cannot_be_debited(business):
    customer = wallet_customer(business)
    with pytest.raises(InsufficientTokens):
        services.tokens_debit(business=business, customer=customer, amount=1, reference="order:1")
    assert not TokenEntry.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_adjustment_needs_a_reason(business, owner, reason):
    customer = wallet_customer(business, tokens=10)
    with pytest.raises(ValidationFailed) as raised:
        services.tokens_adjust(
            business=business, customer=customer, amount=5, reason=reason, actor=owner
        )
    assert raised.value.code == "reason_required"
    assert queries.token_balance(business=business, customer=customer) == 10


def test_an_adjustment_is_signed_and_keeps_its_reason(business, owner):
    customer = wallet_customer(business, tokens=10)
    up = services.tokens_adjust(
        business=business, customer=customer, amount=25, reason="goodwill", actor=owner
    )
    down = services.tokens_adjust(
        business=business, customer=customer, amount=-30, reason="double top-up", actor=owner
    )
    assert (up.note, up.actor, down.amount, down.balance_after) == ("goodwill", owner, -30, 5)
    with pytest.raises(InsufficientTokens):
        services.tokens_adjust(
            business=business, customer=customer, amount=-6, reason="too much", actor=owner
        )
    with pytest.raises(ValidationFailed):
        services.tokens_adjust(
            business=business, customer=customer, amount=0, reason="x", actor=owner
        )
    assert Activity.objects.filter(action="tokens.adjusted", actor=owner).count() == 2


def test_another_business_customer_is_not_found(business, other_business, owner):
    from kazan.core.errors import NotFound

    stranger = wallet_customer(other_business, tokens=10)
    with pytest.raises(NotFound):
        services.tokens_adjust(
            business=business, customer=stranger, amount=5, reason="x", actor=owner
        )
    with pytest.raises(NotFound):
        services.tokens_debit(business=business, customer=stranger, amount=1, reference="order:1")


def test_low_balance_notice_once_per_fall(business, django_capture_on_commit_callbacks):
    customer = wallet_customer(business, tokens=100)

    def spend(amount, ref):
        with django_capture_on_commit_callbacks(execute=True):
            services.tokens_debit(
                business=business, customer=customer, amount=amount, reference=ref
            )

    spend(40, "order:1")  # 60: above 50
    assert not OutboundMessage.objects.exists()
    spend(20, "order:2")  # 40: below, notice
    spend(10, "order:3")  # 30: still below, no second notice
    notices = OutboundMessage.objects.filter(customer=customer)
    assert notices.count() == 1 and "40 tokens" in notices.get().body
    with django_capture_on_commit_callbacks(execute=True):
        services.tokens_credit(
            business=business, customer=customer, amount=100, kind="purchase", reference="p:1"
        )
    spend(100, "order:4")  # 30 again: a new fall, a new notice
    assert notices.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_debits_never_overdraw(business):
    """12 threads each try 10 debits of 10 tokens at once against 500: exactly 50 succeed."""
    customer = wallet_customer(business, tokens=500)
    threads, per_thread = 12, 10

    def spend(worker: int) -> list[str]:
        outcomes = []
        for attempt in range(per_thread):
            try:
                services.tokens_debit(
                    business=business,
                    customer=customer,
                    amount=10,
                    reference=f"order:{worker}-{attempt}",
                )
                outcomes.append("ok")
            except InsufficientTokens:
                outcomes.append("short")
        return outcomes

    per_worker = run_in_threads_numbered(threads, spend)
    assert not [r for r in per_worker if isinstance(r, Exception)], per_worker
    results = [outcome for outcomes in per_worker for outcome in outcomes]
    assert len(results) == threads * per_thread
    assert results.count("ok") == 50
    assert queries.token_balance(business=business, customer=customer) == 0 == _sum(customer)
    running = 0
    for entry in TokenEntry.objects.filter(account__customer=customer).order_by("id"):
        running += entry.amount
        assert entry.balance_after == running >= 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_credits_of_one_reference_credit_once(business):
    customer = wallet_customer(business)
    threads = 10
    results = run_in_threads(
        threads,
        lambda: services.tokens_credit(
            business=business,
            customer=customer,
            amount=100,
            kind="purchase",
            reference="purchase:1",
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == threads
    assert sum(1 for r in results if r is not None) == 1
    assert queries.token_balance(business=business, customer=customer) == 100

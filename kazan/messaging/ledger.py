"""The SMS credit ledger's one write path: a conditional UPDATE of the balance plus an entry.

Every function here must run inside a transaction (each opens `atomic()`, a savepoint when the
caller already has one): the UPDATE locks the account row until commit, so the balance read right
after it is this change's own `balance_after`, and a rollback takes back balance and entry
together. The balance is never read, changed in Python and written back.
"""

from django.db import IntegrityError, transaction

from kazan.core.errors import InsufficientCredits
from kazan.core.ledger import balance_move
from kazan.messaging.models import Kind, OutboundMessage, SmsCreditAccount, SmsCreditEntry


def account_ensure(*, business) -> None:
    SmsCreditAccount.objects.get_or_create(business=business)


def entry_write(
    *,
    business,
    kind: str,
    amount: int,
    message: OutboundMessage | None = None,
    reference: str | None = None,
    actor=None,
    note: str = "",
) -> SmsCreditEntry:
    """Moves the balance by `amount` (signed) and appends the entry that says why.

    The balance moves by core.ledger.balance_move: a debit finding too little raises
    InsufficientCredits, so concurrent spends can never overdraw.
    """
    with transaction.atomic():
        balance_after = balance_move(
            accounts=SmsCreditAccount.objects.filter(business=business),
            amount=amount,
            short=InsufficientCredits,
            ensure=lambda: account_ensure(business=business),
        )
        user = actor if getattr(actor, "is_authenticated", False) else None
        return SmsCreditEntry.objects.create(
            business=business,
            kind=kind,
            amount=amount,
            balance_after=balance_after,
            message=message,
            reference=reference,
            actor=user,
            note=note[:200],
        )


def credits_spend(*, business, message: OutboundMessage, actor=None) -> SmsCreditEntry:
    """Charges `message.credits` for `message`; InsufficientCredits when the balance is short."""
    return entry_write(
        business=business,
        kind=Kind.SEND,
        amount=-message.credits,
        message=message,
        actor=actor,
    )


def credits_refund(*, business, message: OutboundMessage) -> SmsCreditEntry | None:
    """Gives back what `message` cost, at most once (a unique constraint backs the check).

    Returns None when there is nothing to refund: never charged, or refunded already.
    """
    if message.credits <= 0:
        return None
    if SmsCreditEntry.objects.filter(message=message, kind=Kind.REFUND).exists():
        return None
    try:
        with transaction.atomic():
            return entry_write(
                business=business, kind=Kind.REFUND, amount=message.credits, message=message
            )
    except IntegrityError:
        # A concurrent refund of the same message won the unique (message, refund) race.
        if SmsCreditEntry.objects.filter(message=message, kind=Kind.REFUND).exists():
            return None
        raise

"""The one way a stored balance moves: a conditional UPDATE, never read-modify-write.

A ledger (SMS credits, customer tokens) keeps a balance row plus append-only entries. Moving
the balance is one `UPDATE … SET balance = balance + amount [WHERE balance >= -amount]`: the
database checks and changes it at once, so concurrent debits can never overdraw, and the row
stays locked until the caller's transaction commits, so the balance read right after is this
change's own `balance_after`. Call it inside the transaction that writes the entry.
"""

from collections.abc import Callable

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone


def balance_move(
    *,
    accounts: QuerySet,
    amount: int,
    short: Callable[[], Exception],
    ensure: Callable[[], None] | None = None,
) -> int:
    """Moves the balance of the single row of `accounts` by `amount` (signed) and returns the
    balance after. A debit that finds too little raises `short()` and changes nothing; a credit
    first calls `ensure()` (creating the row when it may not exist yet)."""
    if amount == 0:
        raise ValueError("a ledger move changes the balance by at least one unit")
    with transaction.atomic():
        now = timezone.now()
        if amount < 0:
            changed = accounts.filter(balance__gte=-amount).update(
                balance=F("balance") + amount, updated_at=now
            )
            if not changed:
                raise short()
        else:
            if ensure is not None:
                ensure()
            accounts.update(balance=F("balance") + amount, updated_at=now)
        return int(accounts.values_list("balance", flat=True).get())

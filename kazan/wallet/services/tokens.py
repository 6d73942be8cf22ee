"""The customer token ledger (seed 004 §3.3.1): every change of a balance is one conditional
UPDATE (core.ledger.balance_move) plus an append-only TokenEntry in the same transaction. An
entry's (kind, reference) is unique per account, so a purchase is credited once, an order
charged once and refunded once, even when two workers race (the loser's savepoint rolls back
its balance change with its entry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.ledger import balance_move
from kazan.wallet.error_codes import WalletErrorCode
from kazan.wallet.errors import InsufficientTokens
from kazan.wallet.models import TokenAccount, TokenEntry, TokenEntryKind
from kazan.wallet.queries import token_balance, wallet_settings_for
from kazan.wallet.services.notices import low_balance_text, notice_after_commit

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.accounts.types import Actor
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# Largest single move, so a typo of an admin cannot create millions of tokens.
MAX_MOVE = 10_000_000


def actor_user(actor: Actor | None) -> User | None:
    """The signed-in user behind `actor`, for a foreign key (None: the system, a customer)."""
    return cast("User | None", actor if getattr(actor, "is_authenticated", False) else None)


def _check_customer(business: Business, customer: Customer) -> None:
    if customer.business_id != business.pk:
        raise NotFound()


def account_lock(*, business: Business, customer: Customer) -> TokenAccount:
    """The customer's account row, created when missing and locked until commit (serialises
    a customer's premium changes)."""
    _check_customer(business, customer)
    TokenAccount.objects.get_or_create(customer=customer, defaults={"business": business})
    return TokenAccount.objects.select_for_update().get(business=business, customer=customer)


def _write(
    *,
    business: Business,
    customer: Customer,
    kind: str,
    amount: int,
    reference: str | None,
    actor: Actor | None,
    note: str,
) -> TokenEntry:
    """Moves the balance and appends the entry, in one savepoint. IntegrityError when
    (kind, reference) exists already (nothing changed then)."""
    if not amount or abs(amount) > MAX_MOVE:
        raise ValidationFailed(
            _("Enter a number of tokens between 1 and %(max)s.") % {"max": MAX_MOVE},
            code=WalletErrorCode.INVALID_AMOUNT,
        )
    accounts = TokenAccount.objects.filter(business=business, customer=customer)

    def short() -> Exception:
        return InsufficientTokens(
            balance=token_balance(business=business, customer=customer), needed=-amount
        )

    def ensure() -> None:
        TokenAccount.objects.get_or_create(customer=customer, defaults={"business": business})

    with transaction.atomic():
        balance_after = balance_move(accounts=accounts, amount=amount, short=short, ensure=ensure)
        account_id = accounts.values_list("pk", flat=True).get()
        entry = TokenEntry.objects.create(
            business=business,
            account_id=account_id,
            kind=kind,
            amount=amount,
            balance_after=balance_after,
            reference=reference,
            actor=actor_user(actor),
            note=note[:200],
        )
        _low_balance_track(business=business, customer=customer, entry=entry)
        return entry


def _low_balance_track(*, business: Business, customer: Customer, entry: TokenEntry) -> None:
    """The low-balance notice, once per fall below the threshold: a debit that lands below
    it marks the account (conditionally, so only one racer sends); a credit that lifts the
    balance to the threshold or above clears the mark."""
    threshold = wallet_settings_for(business=business).low_balance_threshold
    accounts = TokenAccount.objects.filter(pk=entry.account_id)
    if entry.amount > 0:
        if entry.balance_after >= threshold:
            accounts.filter(low_balance_notified_at__isnull=False).update(
                low_balance_notified_at=None
            )
        return
    if entry.balance_after >= threshold:
        return
    if accounts.filter(low_balance_notified_at__isnull=True).update(
        low_balance_notified_at=timezone.now()
    ):
        balance = entry.balance_after
        notice_after_commit(
            business=business,
            customer=customer,
            key=f"wallet-low:{entry.account_id}:{entry.pk}",
            render=lambda: low_balance_text(balance),
        )


def _record(
    *,
    business: Business,
    customer: Customer,
    action: str,
    entry: TokenEntry,
    actor: Actor | None,
    actor_kind: str | None = None,
) -> None:
    activity_record(
        business=business,
        actor=actor,
        action=action,
        target=customer,
        data={
            "entry": entry.pk,
            "amount": entry.amount,
            "tokens": abs(entry.amount),
            "balance_after": entry.balance_after,
            "kind": entry.kind,
        },
        actor_kind=actor_kind or (None if actor_user(actor) else "system"),
    )


def tokens_debit(
    *,
    business: Business,
    customer: Customer,
    amount: int,
    kind: str = TokenEntryKind.ORDER,
    reference: str,
    actor: Actor | None = None,
    note: str = "",
) -> TokenEntry:
    """Takes `amount` tokens for `reference` (an order, a premium period). Raises
    InsufficientTokens and writes nothing when the balance is short; the same (kind,
    reference) again returns the first entry (a retried charge is not charged twice)."""
    _check_customer(business, customer)
    if amount <= 0:
        raise ValidationFailed(code=WalletErrorCode.INVALID_AMOUNT)
    try:
        with transaction.atomic():
            entry = _write(
                business=business,
                customer=customer,
                kind=kind,
                amount=-amount,
                reference=reference,
                actor=actor,
                note=note,
            )
            _record(
                business=business,
                customer=customer,
                action="tokens.debited",
                entry=entry,
                actor=actor,
            )
            return entry
    except IntegrityError:
        first = TokenEntry.objects.filter(
            business=business, account__customer=customer, kind=kind, reference=reference
        ).first()
        if first is None:
            raise
        return first


def tokens_credit(
    *,
    business: Business,
    customer: Customer,
    amount: int,
    kind: str,
    reference: str,
    actor: Actor | None = None,
    note: str = "",
) -> TokenEntry | None:
    """Adds `amount` tokens for `reference` (a purchase, a refund) at most once: None when
    this (kind, reference) was credited already."""
    _check_customer(business, customer)
    if amount <= 0:
        raise ValidationFailed(code=WalletErrorCode.INVALID_AMOUNT)
    existing = TokenEntry.objects.filter(
        business=business, account__customer=customer, kind=kind, reference=reference
    )
    if existing.exists():
        return None
    try:
        with transaction.atomic():
            entry = _write(
                business=business,
                customer=customer,
                kind=kind,
                amount=amount,
                reference=reference,
                actor=actor,
                note=note,
            )
            _record(
                business=business,
                customer=customer,
                action="tokens.credited",
                entry=entry,
                actor=actor,
            )
            return entry
    except IntegrityError:
        # A concurrent credit of the same reference won the unique race.
        if existing.exists():
            return None
        raise


def tokens_refund(
    *, business: Business, customer: Customer, reference: str, actor: Actor | None = None
) -> TokenEntry | None:
    """Gives back the order debit with `reference`, at most once. None when there is no such
    debit or it was refunded already."""
    _check_customer(business, customer)
    debit = TokenEntry.objects.filter(
        business=business,
        account__customer=customer,
        kind=TokenEntryKind.ORDER,
        reference=reference,
    ).first()
    if debit is None:
        return None
    return tokens_credit(
        business=business,
        customer=customer,
        amount=-debit.amount,
        kind=TokenEntryKind.REFUND,
        reference=reference,
        actor=actor,
    )


def tokens_adjust(
    *,
    business: Business,
    customer: Customer,
    amount: int,
    reason: str,
    actor: Actor | None,
    actor_kind: str | None = None,
    reference: str | None = None,
) -> TokenEntry:
    """An admin's correction (seed §3.3.1), signed, with the reason kept on the entry.
    ValidationFailed without a reason or with 0; InsufficientTokens below zero. `actor_kind`
    names an API key acting without a user. `reference` (an API client's idempotency key):
    a repeat returns the first entry and changes nothing."""
    _check_customer(business, customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Say why the balance changes."), code=WalletErrorCode.REASON_REQUIRED
        )

    def earlier() -> TokenEntry | None:
        return TokenEntry.objects.filter(
            business=business,
            account__customer=customer,
            kind=TokenEntryKind.ADJUSTMENT,
            reference=reference,
        ).first()

    if reference is not None and (found := earlier()) is not None:
        return found
    with transaction.atomic():
        try:
            entry = _write(
                business=business,
                customer=customer,
                kind=TokenEntryKind.ADJUSTMENT,
                amount=amount,
                reference=reference,
                actor=actor,
                note=reason,
            )
        except IntegrityError:
            # A concurrent repeat wrote it first (the unique (account, kind, reference)).
            if reference is None or (found := earlier()) is None:
                raise
            return found
        _record(
            business=business,
            customer=customer,
            action="tokens.adjusted",
            entry=entry,
            actor=actor,
            actor_kind=actor_kind,
        )
        return entry

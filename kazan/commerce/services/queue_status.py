"""The statuses of token orders (seed 004 §8.2).

Statuses: pending → processing (an operator starts it, or by hand) → assigned (to an operator)
→ completed; cancelled from any state, which gives the tokens back once (never on or after
completion).
Each change writes the order's history and the activity log and tells the customer (after
commit, with an idempotency key); an operator hears of an order assigned to them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Order, OrderStatus, PaymentMethod
from kazan.commerce.queries.queue import queue_snapshot
from kazan.commerce.queries.token_stats import TOKEN_STATUSES
from kazan.commerce.services.orders import NOTE_MAX, BulkResult
from kazan.commerce.services.queue import (
    actor_kind_of,
    queue_lock,
    queue_notify_on_commit,
    status_event,
    token_order_locked,
)
from kazan.core.errors import Conflict, KazanError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

S = OrderStatus
# Seed 004 §8.2. "assigned" is reached through token_order_assign only (it needs an
# operator); an assignment of a pending order passes through processing on the way.
TOKEN_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PROCESSING, S.ASSIGNED, S.CANCELLED}),
    S.PROCESSING: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
}
# TOKEN_STATUSES (queries.token_stats) lists these same statuses, in this order.


def _refused(before: str, after: str) -> Conflict:
    from kazan.commerce.queries.queue import token_status_label

    return Conflict(
        _("An order that is %(from)s cannot become %(to)s.")
        % {"from": token_status_label(before), "to": token_status_label(after)},
        code=CommerceErrorCode.STATUS_TRANSITION,
    )


# --- moving along the statuses ---------------------------------------------------------------


def _leave_queue(order: Order, fields: list[str]) -> None:
    if order.queue_rank is not None:
        order.queue_rank = None
        fields.append("queue_rank")


def token_order_status_set(
    *,
    business: Business,
    order: Order,
    status: str,
    actor: User | None,
    note: str = "",
    actor_kind: str | None = None,
    operator_id: int | None = None,
) -> Order:
    """A status chosen by hand (the dashboard's inline change, the API): processing, or
    completed / cancelled through their own use-cases; "assigned" needs an operator
    (token_order_assign), and an order already assigned keeps its operator."""
    if status not in TOKEN_STATUSES:
        raise ValidationFailed(_("Unknown order status."), code=CommerceErrorCode.STATUS_TRANSITION)
    if status == S.COMPLETED:
        return token_order_complete(
            business=business,
            order=order,
            actor=actor,
            note=note,
            actor_kind=actor_kind,
            operator_id=operator_id,
        )
    if status == S.CANCELLED:
        return token_order_cancel(
            business=business, order=order, actor=actor, reason=note, actor_kind=actor_kind
        )
    if status == S.ASSIGNED:
        if order.operator_id is None:
            raise Conflict(
                _("Choose the operator to assign the order to."),
                code=CommerceErrorCode.INVALID_OPERATOR,
            )
        operator = order.operator
        assert operator is not None
        return token_order_assign(
            business=business, order=order, operator=operator, actor=actor, actor_kind=actor_kind
        )
    note = (note or "").strip()[:NOTE_MAX]
    with transaction.atomic():
        current = token_order_locked(business, order)
        before = current.status
        if status == before:
            return current
        if status not in TOKEN_TRANSITIONS[before]:
            raise _refused(before, status)
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        status_event(current, before, status, actor, actor_kind_of(actor, actor_kind), note)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_status",
            target=current,
            data={"from": before, "to": status},
            actor_kind=actor_kind,
        )
        queue_notify_on_commit(business, {}, [(current.pk, status)])
    return current


def token_order_assign(
    *,
    business: Business,
    order: Order,
    operator: User,
    actor: User | None,
    actor_kind: str | None = None,
    take: bool = False,
) -> Order:
    """Gives the order to an operator (a member who may work the queue): it leaves the queue
    and becomes "assigned"; a pending order passes through processing (the operator starts
    it). Another operator may take over an assigned order. The operator is told in their
    linked chat, the customer of the status change. `take`: an operator takes a waiting order
    for themself, refused when (under the lock) it no longer waits or has an operator."""
    from kazan.tenancy.queries import membership_of

    membership = membership_of(business=business, user=operator)
    if membership is None or not membership.can("queue.work"):
        raise ValidationFailed(
            _("Only a team member who works the queue can be assigned orders."),
            code=CommerceErrorCode.INVALID_OPERATOR,
        )
    kind = actor_kind_of(actor, actor_kind)
    with transaction.atomic():
        queue_lock(business)
        before_positions = queue_snapshot(business=business)
        current = token_order_locked(business, order)
        before = current.status
        if before == S.ASSIGNED and current.operator_id == operator.pk:
            return current
        if take and (current.queue_rank is None or current.operator_id is not None):
            raise Conflict(
                _("This order is no longer waiting: someone else has taken it."),
                code=CommerceErrorCode.STATUS_TRANSITION,
            )
        if before not in (S.PENDING, S.PROCESSING, S.ASSIGNED):
            raise _refused(before, S.ASSIGNED)
        if before == S.PENDING:
            status_event(current, S.PENDING, S.PROCESSING, actor, kind)
            before = S.PROCESSING
        fields = ["status", "operator", "assigned_at", "updated_at"]
        current.status, current.operator, current.assigned_at = (
            S.ASSIGNED,
            operator,
            timezone.now(),
        )
        _leave_queue(current, fields)
        current.save(update_fields=fields)
        status_event(
            current,
            before,
            S.ASSIGNED,
            actor,
            kind,
            note=operator.get_full_name() or operator.email,
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_assigned",
            target=current,
            data={"operator": operator.pk},
            actor_kind=actor_kind,
        )
        told = [(current.pk, S.ASSIGNED)] if before != S.ASSIGNED else []
        queue_notify_on_commit(business, before_positions, told)
        order_id, operator_id = current.pk, operator.pk
        transaction.on_commit(
            lambda: _operator_tell(business=business, order_id=order_id, operator_id=operator_id)
        )
    return current


def _operator_tell(*, business: Business, order_id: int, operator_id: int) -> None:
    from kazan.commerce.services.queue_notifications import operator_assigned_notify

    operator_assigned_notify(business=business, order_id=order_id, operator_id=operator_id)


def token_order_complete(
    *,
    business: Business,
    order: Order,
    actor: User | None,
    note: str = "",
    actor_kind: str | None = None,
    operator_id: int | None = None,
) -> Order:
    """The operator fulfilled the order. The tokens stay spent (seed 004: no refund on
    completion). `operator_id`: an operator completing their own order, refused when (under
    the lock) the order is no longer theirs."""
    note = (note or "").strip()[:NOTE_MAX]
    with transaction.atomic():
        current = token_order_locked(business, order)
        before = current.status
        if operator_id is not None and current.operator_id != operator_id:
            raise Conflict(
                _("This order is no longer assigned to you."),
                code=CommerceErrorCode.INVALID_OPERATOR,
            )
        if S.COMPLETED not in TOKEN_TRANSITIONS[before]:
            raise _refused(before, S.COMPLETED)
        current.status, current.completed_at = S.COMPLETED, timezone.now()
        current.save(update_fields=["status", "completed_at", "updated_at"])
        status_event(current, before, S.COMPLETED, actor, actor_kind_of(actor, actor_kind), note)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_completed",
            target=current,
            data={"tokens": current.total_minor},
            actor_kind=actor_kind,
        )
        queue_notify_on_commit(business, {}, [(current.pk, S.COMPLETED)])
    return current


def token_order_cancel(
    *,
    business: Business,
    order: Order,
    actor: User | None,
    reason: str = "",
    actor_kind: str | None = None,
) -> Order:
    """Cancels the order from any state and gives its tokens back: at most once, however
    often it is asked (the wallet refunds a reference once; a second cancel changes nothing).
    A completed order is still cancellable but refunds nothing (seed 004 §8.2: no refund on
    completion). A rerun was free, so nothing comes back for it."""
    from kazan.wallet.services import tokens_refund

    reason = (reason or "").strip()[:NOTE_MAX]
    with transaction.atomic():
        queue_lock(business)
        before_positions = queue_snapshot(business=business)
        current = token_order_locked(business, order)
        before = current.status
        if before == S.CANCELLED:
            return current
        fields = ["status", "cancelled_at", "updated_at"]
        current.status, current.cancelled_at = S.CANCELLED, timezone.now()
        _leave_queue(current, fields)
        current.save(update_fields=fields)
        refund = None
        # Seed 004 §8.2: no refund on completion, so none for cancelling a completed order.
        if current.customer is not None and before != S.COMPLETED:
            refund = tokens_refund(
                business=business,
                customer=current.customer,
                reference=f"order:{current.pk}",
                actor=actor,
            )
        status_event(current, before, S.CANCELLED, actor, actor_kind_of(actor, actor_kind), reason)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_cancelled",
            target=current,
            data={"from": before, "refunded": refund.amount if refund is not None else 0},
            actor_kind=actor_kind,
        )
        queue_notify_on_commit(business, before_positions, [(current.pk, S.CANCELLED)])
    return current


def token_order_note_add(
    *,
    business: Business,
    order: Order,
    actor: User | None,
    note: str,
    actor_kind: str | None = None,
) -> None:
    """A note of the team (operators and admins) in the order's history; never shown to the
    customer."""
    from kazan.commerce.services.orders import order_note_add

    if order.business_id != business.pk or order.payment_method != PaymentMethod.TOKENS:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    with transaction.atomic():
        order_note_add(
            business=business,
            order=order,
            note=note,
            actor=actor,
            actor_kind=actor_kind_of(actor, actor_kind),
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_note",
            target=order,
            actor_kind=actor_kind,
        )


def token_orders_bulk(
    *,
    business: Business,
    order_ids: list[int],
    action: str,
    actor: User | None,
    status: str = "",
    operator: User | None = None,
) -> BulkResult:
    """Applies one action ("status", "assign", "cancel") to many token orders, each in its own
    transaction: one refusal does not stop the others."""
    changed: list[int] = []
    refused: dict[int, str] = {}
    orders = Order.objects.filter(
        business=business, pk__in=list(order_ids)[:500], payment_method=PaymentMethod.TOKENS
    ).order_by("number")
    for order in orders:
        try:
            if action == "assign":
                if operator is None:
                    raise ValidationFailed(
                        _("Choose the operator."), code=CommerceErrorCode.INVALID_OPERATOR
                    )
                token_order_assign(business=business, order=order, operator=operator, actor=actor)
            elif action == "cancel":
                token_order_cancel(business=business, order=order, actor=actor)
            elif action == "status":
                token_order_status_set(business=business, order=order, status=status, actor=actor)
            else:
                raise ValidationFailed(_("Unknown action."))
        except KazanError as exc:
            refused[order.number] = str(exc.message)
        else:
            changed.append(order.number)
    return BulkResult(changed=changed, refused=refused)

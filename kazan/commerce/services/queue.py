"""Token orders and the order queue of seed 004 §3.2 / §8.2.

A customer orders a package for one of their profiles and pays in tokens at once: the debit
(reference "order:<pk>") is in the order's own transaction, so a short balance writes nothing.
The order waits in its business's queue: a priority lane for premium customers before the
regular lane, each first in, first out. `queue_rank` is a sortable key inside a lane; the
position people see is computed from it, never stored. Every change that moves the queue locks
the business's queue first (one row, SELECT … FOR UPDATE), so ranks stay unique and positions
consistent under concurrency; a unique constraint guards it too.

Statuses: pending → processing (an operator starts it, or by hand) → assigned (to an operator)
→ completed; cancelled from any state, which gives the tokens back once (never on completion).
A completed order can be run again: a new order linked by `rerun_of`, back in the queue, free.
Each change writes the order's history and the activity log and tells the customer (after
commit, with an idempotency key); an operator hears of an order assigned to them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import (
    NumberSequence,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    Package,
    PaymentMethod,
)
from kazan.commerce.queries.orders import commerce_settings_for
from kazan.commerce.queries.queue import queue_snapshot
from kazan.commerce.services.orders import NOTE_MAX, BulkResult, number_next
from kazan.core.errors import Conflict, KazanError, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer, CustomerProfile
    from kazan.tenancy.models import Business

S = OrderStatus
QUEUE_CURRENCY = "TOK"
# Ranks are spaced so a move usually fits between two neighbours; a lane is renumbered when
# two neighbours leave no room.
RANK_GAP = 1024
# Seed 004 §8.2. "assigned" is reached through token_order_assign only (it needs an
# operator); an assignment of a pending order passes through processing on the way.
TOKEN_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PROCESSING, S.ASSIGNED, S.CANCELLED}),
    S.PROCESSING: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset({S.CANCELLED}),
    S.CANCELLED: frozenset(),
}
TOKEN_STATUSES = tuple(TOKEN_TRANSITIONS)
# Statuses in which the order waits in the queue and has a rank.
QUEUED = frozenset({S.PENDING, S.PROCESSING})
# The customer hears of a better position when it reaches one of these (not on every shift).
POSITION_MILESTONES = (1, 2, 3, 5, 10, 20, 50, 100)


@dataclass(frozen=True)
class TokenQuote:
    package_tokens: int
    addon_tokens: int
    total: int
    subscriber: bool


def _premium(business: Business, customer: Customer) -> bool:
    from kazan.wallet.queries import premium_is_active

    return premium_is_active(business=business, customer=customer)


def token_order_quote(
    *, business: Business, customer: Customer, package: Package, email_confirmation: bool
) -> TokenQuote:
    """What the order costs this customer now: the subscriber prices while premium is active
    (seed 004 §8.1), plus the email-confirmation add-on if chosen."""
    if package.business_id != business.pk or customer.business_id != business.pk:
        raise NotFound()
    subscriber = _premium(business, customer)
    package_tokens = package.subscriber_price_tokens if subscriber else package.price_tokens
    addon_tokens = 0
    if email_confirmation:
        settings = commerce_settings_for(business=business)
        addon_tokens = (
            settings.email_addon_subscriber_tokens if subscriber else settings.email_addon_tokens
        )
    return TokenQuote(
        package_tokens=package_tokens,
        addon_tokens=addon_tokens,
        total=package_tokens + addon_tokens,
        subscriber=subscriber,
    )


# --- the queue's lock and ranks -------------------------------------------------------------


def _queue_lock(business: Business) -> None:
    """Serialises every change of the business's queue until the transaction ends."""
    NumberSequence.objects.get_or_create(business=business, kind="queue")
    NumberSequence.objects.select_for_update().get(business=business, kind="queue")


def _rank_last(business: Business, priority: bool) -> int:
    """A rank after every order of the lane (call with the queue locked)."""
    top = Order.objects.filter(
        business=business, priority=priority, queue_rank__isnull=False
    ).aggregate(top=Max("queue_rank"))["top"]
    return (top or 0) + RANK_GAP


def _lane_renumber(business: Business, priority: bool, ordered_ids: list[int]) -> None:
    """Gives the lane's orders ranks RANK_GAP apart in `ordered_ids`' order. Two statements
    (all negative, then the new values) so no row meets another's rank on the way."""
    lane = Order.objects.filter(business=business, priority=priority, pk__in=ordered_ids)
    lane.update(queue_rank=-F("queue_rank"))
    rows = [Order(pk=pk, queue_rank=index * RANK_GAP) for index, pk in enumerate(ordered_ids, 1)]
    Order.objects.bulk_update(rows, ["queue_rank"])


def _status_event(
    order: Order, before: str, after: str, actor: User | None, actor_kind: str, note: str = ""
) -> None:
    OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.STATUS,
        from_status=before,
        to_status=after,
        note=note,
        actor=actor,
        actor_kind=actor_kind,
    )


def _kind(actor: User | None, actor_kind: str | None) -> str:
    return actor_kind or ("member" if actor is not None else "system")


def _locked_token_order(business: Business, order: Order) -> Order:
    locked = (
        Order.objects.select_for_update()
        .filter(business=business, pk=order.pk, payment_method=PaymentMethod.TOKENS)
        .first()
    )
    if locked is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return locked


def _refused(before: str, after: str) -> Conflict:
    from kazan.commerce.queries.queue import token_status_label

    return Conflict(
        _("An order that is %(from)s cannot become %(to)s.")
        % {"from": token_status_label(before), "to": token_status_label(after)},
        code=CommerceErrorCode.STATUS_TRANSITION,
    )


def _after_commit(
    business: Business, before: dict[int, int], told: Sequence[tuple[int, str]]
) -> None:
    """On commit: the customers' messages of this change (`told`: (order id, event)) and of
    the orders whose position reached a milestone since `before` (a snapshot taken with the
    queue locked, before the change)."""
    from kazan.commerce.services.queue_notifications import token_order_notify

    needs_positions = bool(before) or any(event in ("placed", "rerun") for _id, event in told)
    after = queue_snapshot(business=business) if needs_positions else {}
    announced = {order_id for order_id, _event in told}
    moved = [
        (order_id, position)
        for order_id, position in after.items()
        if order_id in before
        and order_id not in announced
        and any(position <= mark < before[order_id] for mark in POSITION_MILESTONES)
    ]

    def send() -> None:
        for order_id, event in told:
            token_order_notify(
                business=business, order_id=order_id, event=event, position=after.get(order_id)
            )
        for order_id, position in moved:
            token_order_notify(
                business=business, order_id=order_id, event="position", position=position
            )

    transaction.on_commit(send)


# --- placing ---------------------------------------------------------------------------------


def token_order_place(
    *,
    business: Business,
    customer: Customer,
    profile: CustomerProfile,
    package: Package,
    email_confirmation: bool,
    channel: str,
    actor: User | None = None,
) -> Order:
    """Places the order, charges its tokens and queues it, all in one transaction: a short
    balance raises InsufficientTokens and leaves nothing behind. Premium customers pay the
    subscriber prices and wait in the priority lane. The customer is told its queue position."""
    from kazan.wallet.services import tokens_debit

    if customer.business_id != business.pk or package.business_id != business.pk:
        raise NotFound()
    if profile.business_id != business.pk or profile.customer_id != customer.pk:
        raise ValidationFailed(
            _("Choose one of your own profiles."), code=CommerceErrorCode.PROFILE_MISMATCH
        )
    if not package.active:
        raise Conflict(
            _("This package is no longer offered."), code=CommerceErrorCode.PACKAGE_UNAVAILABLE
        )
    with transaction.atomic():
        _queue_lock(business)
        before = queue_snapshot(business=business)
        quote = token_order_quote(
            business=business,
            customer=customer,
            package=package,
            email_confirmation=email_confirmation,
        )
        order = Order.objects.create(
            business=business,
            customer=customer,
            number=number_next(business=business, kind="order"),
            channel=channel,
            currency=QUEUE_CURRENCY,
            subtotal_minor=quote.total,
            total_minor=quote.total,
            payment_method=PaymentMethod.TOKENS,
            paid_at=timezone.now(),
            profile=profile,
            package=package,
            sites_count=package.sites,
            email_confirmation=email_confirmation,
            subscriber_price=quote.subscriber,
            priority=quote.subscriber,
            queue_rank=_rank_last(business, quote.subscriber),
        )
        tokens_debit(
            business=business,
            customer=customer,
            amount=quote.total,
            kind="order",
            reference=f"order:{order.pk}",
            actor=actor,
        )
        _lines_write(order, package=package, quote=quote)
        _status_event(order, "", S.PENDING, actor, "member" if actor else "customer")
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_placed",
            target=order,
            data={"tokens": quote.total, "priority": quote.subscriber, "package": package.pk},
            actor_kind=None if actor else "customer",
        )
        _after_commit(business, before, [(order.pk, "placed")])
        transaction.on_commit(lambda: event_count(business=business, kind=EventKind.ORDER_CREATED))
    return order


def _lines_write(order: Order, *, package: Package, quote: TokenQuote) -> None:
    """The package and the add-on as the order's lines, at the tokens charged."""
    lines = [
        OrderItem(
            order=order,
            name=package.name,
            unit_price_minor=quote.package_tokens,
            quantity=1,
            total_minor=quote.package_tokens,
        )
    ]
    if order.email_confirmation:
        lines.append(
            OrderItem(
                order=order,
                name=_("Email confirmation"),
                unit_price_minor=quote.addon_tokens,
                quantity=1,
                total_minor=quote.addon_tokens,
            )
        )
    OrderItem.objects.bulk_create(lines)


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
) -> Order:
    """A status chosen by hand (the dashboard's inline change, the API): processing, or
    completed / cancelled through their own use-cases; "assigned" needs an operator
    (token_order_assign), and an order already assigned keeps its operator."""
    if status not in TOKEN_STATUSES:
        raise ValidationFailed(_("Unknown order status."), code=CommerceErrorCode.STATUS_TRANSITION)
    if status == S.COMPLETED:
        return token_order_complete(
            business=business, order=order, actor=actor, note=note, actor_kind=actor_kind
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
        current = _locked_token_order(business, order)
        before = current.status
        if status == before:
            return current
        if status not in TOKEN_TRANSITIONS[before]:
            raise _refused(before, status)
        current.status = status
        current.save(update_fields=["status", "updated_at"])
        _status_event(current, before, status, actor, _kind(actor, actor_kind), note)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_status",
            target=current,
            data={"from": before, "to": status},
            actor_kind=actor_kind,
        )
        _after_commit(business, {}, [(current.pk, status)])
    return current


def token_order_assign(
    *,
    business: Business,
    order: Order,
    operator: User,
    actor: User | None,
    actor_kind: str | None = None,
) -> Order:
    """Gives the order to an operator (a member who may work the queue): it leaves the queue
    and becomes "assigned"; a pending order passes through processing (the operator starts
    it). Another operator may take over an assigned order. The operator is told in their
    linked chat, the customer of the status change."""
    from kazan.tenancy.queries import membership_of

    membership = membership_of(business=business, user=operator)
    if membership is None or not membership.can("queue.work"):
        raise ValidationFailed(
            _("Only a team member who works the queue can be assigned orders."),
            code=CommerceErrorCode.INVALID_OPERATOR,
        )
    kind = _kind(actor, actor_kind)
    with transaction.atomic():
        _queue_lock(business)
        before_positions = queue_snapshot(business=business)
        current = _locked_token_order(business, order)
        before = current.status
        if before == S.ASSIGNED and current.operator_id == operator.pk:
            return current
        if before not in (S.PENDING, S.PROCESSING, S.ASSIGNED):
            raise _refused(before, S.ASSIGNED)
        if before == S.PENDING:
            _status_event(current, S.PENDING, S.PROCESSING, actor, kind)
            before = S.PROCESSING
        fields = ["status", "operator", "assigned_at", "updated_at"]
        current.status, current.operator, current.assigned_at = (
            S.ASSIGNED,
            operator,
            timezone.now(),
        )
        _leave_queue(current, fields)
        current.save(update_fields=fields)
        _status_event(
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
        _after_commit(business, before_positions, told)
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
) -> Order:
    """The operator fulfilled the order. The tokens stay spent (seed 004: no refund on
    completion)."""
    note = (note or "").strip()[:NOTE_MAX]
    with transaction.atomic():
        current = _locked_token_order(business, order)
        before = current.status
        if S.COMPLETED not in TOKEN_TRANSITIONS[before]:
            raise _refused(before, S.COMPLETED)
        current.status, current.completed_at = S.COMPLETED, timezone.now()
        current.save(update_fields=["status", "completed_at", "updated_at"])
        _status_event(current, before, S.COMPLETED, actor, _kind(actor, actor_kind), note)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_completed",
            target=current,
            data={"tokens": current.total_minor},
            actor_kind=actor_kind,
        )
        _after_commit(business, {}, [(current.pk, S.COMPLETED)])
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
    A rerun was free, so nothing comes back for it."""
    from kazan.wallet.services import tokens_refund

    reason = (reason or "").strip()[:NOTE_MAX]
    with transaction.atomic():
        _queue_lock(business)
        before_positions = queue_snapshot(business=business)
        current = _locked_token_order(business, order)
        before = current.status
        if before == S.CANCELLED:
            return current
        fields = ["status", "cancelled_at", "updated_at"]
        current.status, current.cancelled_at = S.CANCELLED, timezone.now()
        _leave_queue(current, fields)
        current.save(update_fields=fields)
        refund = None
        if current.customer is not None:
            refund = tokens_refund(
                business=business,
                customer=current.customer,
                reference=f"order:{current.pk}",
                actor=actor,
            )
        _status_event(current, before, S.CANCELLED, actor, _kind(actor, actor_kind), reason)
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_cancelled",
            target=current,
            data={"from": before, "refunded": refund.amount if refund is not None else 0},
            actor_kind=actor_kind,
        )
        _after_commit(business, before_positions, [(current.pk, S.CANCELLED)])
    return current


def token_order_rerun(
    *, business: Business, order: Order, actor: User | None, actor_kind: str | None = None
) -> Order:
    """Runs a completed order again: a new order (rerun_of the first) for the same profile and
    package, at the end of its lane, charged nothing. One open rerun at a time."""
    with transaction.atomic():
        _queue_lock(business)
        before = queue_snapshot(business=business)
        original = _locked_token_order(business, order)
        if original.status != S.COMPLETED:
            raise Conflict(
                _("Only a completed order can be run again."),
                code=CommerceErrorCode.RERUN_REFUSED,
            )
        if (
            Order.objects.filter(business=business, rerun_of=original)
            .exclude(status__in=(S.COMPLETED, S.CANCELLED))
            .exists()
        ):
            raise Conflict(
                _("This order is already being run again."), code=CommerceErrorCode.RERUN_REFUSED
            )
        priority = original.priority or (
            original.customer is not None and _premium(business, original.customer)
        )
        rerun = Order.objects.create(
            business=business,
            customer=original.customer,
            number=number_next(business=business, kind="order"),
            channel=original.channel,
            currency=QUEUE_CURRENCY,
            subtotal_minor=original.total_minor,
            discount_minor=original.total_minor,
            total_minor=0,
            payment_method=PaymentMethod.TOKENS,
            paid_at=timezone.now(),
            profile=original.profile,
            package=original.package,
            sites_count=original.sites_count,
            email_confirmation=original.email_confirmation,
            subscriber_price=original.subscriber_price,
            priority=priority,
            queue_rank=_rank_last(business, priority),
            rerun_of=original,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=rerun,
                    name=item.name,
                    unit_price_minor=item.unit_price_minor,
                    quantity=item.quantity,
                    discount_minor=item.total_minor,
                    total_minor=0,
                )
                for item in OrderItem.objects.filter(order=original)
            ]
        )
        kind = _kind(actor, actor_kind)
        _status_event(
            rerun,
            "",
            S.PENDING,
            actor,
            kind,
            note=_("Rerun of order %(number)s") % {"number": original.number},
        )
        OrderEvent.objects.create(
            order=original,
            kind=OrderEvent.Kind.NOTE,
            note=_("Run again as order %(number)s") % {"number": rerun.number},
            actor=actor,
            actor_kind=kind,
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_rerun",
            target=rerun,
            data={"rerun_of": original.pk},
            actor_kind=actor_kind,
        )
        _after_commit(business, before, [(rerun.pk, "rerun")])
    return rerun


def token_order_note_add(
    *, business: Business, order: Order, actor: User | None, note: str
) -> None:
    """A note of the team (operators and admins) in the order's history; never shown to the
    customer."""
    from kazan.commerce.services.orders import order_note_add

    if order.business_id != business.pk or order.payment_method != PaymentMethod.TOKENS:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    with transaction.atomic():
        order_note_add(business=business, order=order, note=note, actor=actor)
        activity_record(
            business=business, actor=actor, action="commerce.token_order_note", target=order
        )


def queue_move(*, business: Business, order: Order, position: int, actor: User | None) -> None:
    """An admin moves a waiting order to `position` (1 = next) of the whole queue. The order
    stays in its lane: a regular order asked to go before the priority lane lands first of the
    regular lane, a priority order asked to go after it lands last of its own. The other
    orders keep their order; the customers who moved up meaningfully are told."""
    if position < 1:
        raise ValidationFailed(
            _("The position must be 1 or more."), code=CommerceErrorCode.NOT_IN_QUEUE
        )
    with transaction.atomic():
        _queue_lock(business)
        before = queue_snapshot(business=business)
        current = _locked_token_order(business, order)
        if current.queue_rank is None:
            raise Conflict(
                _("Only an order waiting in the queue can be moved."),
                code=CommerceErrorCode.NOT_IN_QUEUE,
            )
        lane = list(
            Order.objects.filter(
                business=business, priority=current.priority, queue_rank__isnull=False
            )
            .exclude(pk=current.pk)
            .order_by("queue_rank", "id")
            .values_list("pk", "queue_rank")
        )
        ahead = (
            0
            if current.priority
            else Order.objects.filter(
                business=business, priority=True, queue_rank__isnull=False
            ).count()
        )
        index = max(0, min(position - 1 - ahead, len(lane)))
        low: int = (lane[index - 1][1] or 0) if index > 0 else 0
        high = lane[index][1] if index < len(lane) else None
        old_position = before.get(current.pk)
        if high is None:
            rank: int | None = low + RANK_GAP
        elif high - low > 1:
            rank = (low + high) // 2
        else:
            rank = None
        if rank is not None:
            Order.objects.filter(pk=current.pk).update(queue_rank=rank)
        else:
            ids = [pk for pk, _rank in lane]
            ids.insert(index, current.pk)
            _lane_renumber(business, current.priority, ids)
        new_position = ahead + index + 1
        OrderEvent.objects.create(
            order=current,
            kind=OrderEvent.Kind.MOVE,
            note=f"{old_position}→{new_position}",
            actor=actor,
            actor_kind=_kind(actor, None),
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_moved",
            target=current,
            data={"from": old_position, "to": new_position},
        )
        _after_commit(business, before, [])


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

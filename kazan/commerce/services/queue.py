"""The order queue of seed 004 §3.2 / §8.2: its lock, its ranks and the moves an admin makes.

A token order waits in its business's queue: a priority lane for premium customers before the
regular lane, each first in, first out. `queue_rank` is a sortable key inside a lane; the
position people see is computed from it, never stored. Every change that moves the queue locks
the business's queue first (one row, SELECT … FOR UPDATE), so ranks stay unique and positions
consistent under concurrency; a unique constraint guards it too.

Placing and rerunning orders live in queue_placing, the statuses in queue_status; both build on
the lock, ranks, history and after-commit messages here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import NumberSequence, Order, OrderEvent, PaymentMethod
from kazan.commerce.queries.queue import queue_snapshot
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business

# Ranks are spaced so a move usually fits between two neighbours; a lane is renumbered when
# two neighbours leave no room.
RANK_GAP = 1024
# The customer hears of a better position when it reaches one of these (not on every shift).
POSITION_MILESTONES = (1, 2, 3, 5, 10, 20, 50, 100)


# --- the queue's lock and ranks -------------------------------------------------------------


def queue_lock(business: Business) -> None:
    """Serialises every change of the business's queue until the transaction ends."""
    NumberSequence.objects.get_or_create(business=business, kind="queue")
    NumberSequence.objects.select_for_update().get(business=business, kind="queue")


def rank_last(business: Business, priority: bool) -> int:
    """A rank after every order of the lane (call with the queue locked)."""
    top = Order.objects.filter(
        business=business, priority=priority, queue_rank__isnull=False
    ).aggregate(top=Max("queue_rank"))["top"]
    return (top or 0) + RANK_GAP


def _lane_renumber(business: Business, priority: bool, ordered_ids: list[int]) -> None:
    """Gives the lane's orders ranks RANK_GAP apart in `ordered_ids`' order. Two statements
    (all negative, then the new values) so no row meets another's rank on the way."""
    lane = Order.objects.filter(business=business, priority=priority, pk__in=ordered_ids)
    now = timezone.now()  # the panel's live stream follows updated_at
    lane.update(queue_rank=-F("queue_rank"), updated_at=now)
    rows = [
        Order(pk=pk, queue_rank=index * RANK_GAP, updated_at=now)
        for index, pk in enumerate(ordered_ids, 1)
    ]
    Order.objects.bulk_update(rows, ["queue_rank", "updated_at"])


def status_event(
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


def actor_kind_of(actor: User | None, actor_kind: str | None) -> str:
    return actor_kind or ("member" if actor is not None else "system")


def token_order_locked(business: Business, order: Order) -> Order:
    locked = (
        Order.objects.select_for_update()
        .filter(business=business, pk=order.pk, payment_method=PaymentMethod.TOKENS)
        .first()
    )
    if locked is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return locked


def queue_notify_on_commit(
    business: Business,
    before: dict[int, int],
    told: Sequence[tuple[int, str]],
    positions: dict[int, int] | None = None,
) -> None:
    """On commit: the customers' messages of this change (`told`: (order id, event)) and of
    the orders whose position reached a milestone since `before` (a snapshot taken with the
    queue locked, before the change). `positions`: the told orders' positions when the caller
    knows them and nobody else moved up (an order placed at the end of its lane), instead of
    reading the whole queue."""
    from kazan.commerce.services.queue_notifications import token_order_notify

    needs_positions = bool(before) or any(event in ("placed", "rerun") for _id, event in told)
    if positions is not None and not before:
        after = positions
    else:
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


# --- moving an order in the queue -----------------------------------------------------------


def queue_move(
    *,
    business: Business,
    order: Order,
    position: int,
    actor: User | None,
    actor_kind: str | None = None,
) -> None:
    """An admin moves a waiting order to `position` (1 = next) of the whole queue. The order
    stays in its lane: a regular order asked to go before the priority lane lands first of the
    regular lane, a priority order asked to go after it lands last of its own. The other
    orders keep their order; the customers who moved up meaningfully are told."""
    if position < 1:
        raise ValidationFailed(
            _("The position must be 1 or more."), code=CommerceErrorCode.NOT_IN_QUEUE
        )
    with transaction.atomic():
        queue_lock(business)
        before = queue_snapshot(business=business)
        current = token_order_locked(business, order)
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
            Order.objects.filter(pk=current.pk).update(queue_rank=rank, updated_at=timezone.now())
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
            actor_kind=actor_kind_of(actor, actor_kind),
        )
        activity_record(
            business=business,
            actor=actor,
            action="commerce.token_order_moved",
            target=current,
            data={"from": old_position, "to": new_position},
            actor_kind=actor_kind,
        )
        queue_notify_on_commit(business, before, [])

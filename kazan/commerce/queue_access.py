"""Who may do what with a token order (seed 004: admins manage the queue, operators work it).
One place for the dashboard and the API: `queue.manage` (owners, managers, API keys) may do
everything; `queue.work` (operators) sees the queue, takes a waiting order for themself, adds
notes, and completes — and reads the profile's password of — only the orders assigned to them."""

from __future__ import annotations

from collections.abc import Callable

from kazan.commerce.models import Order, OrderStatus

MANAGE = "queue.manage"
WORK = "queue.work"


def queue_allows(
    *, can: Callable[[str], bool], user_id: int | None, order: Order, action: str
) -> bool:
    """`action`: "view", "note", "take", "complete", "password", or anything only admins do
    ("assign", "move", "cancel", "rerun", "status")."""
    if can(MANAGE):
        return True
    if not can(WORK):
        return False
    mine = user_id is not None and order.operator_id == user_id
    if action in ("view", "note"):
        return True
    if action == "take":
        return order.queue_rank is not None
    if action == "complete":
        return mine and order.status == OrderStatus.ASSIGNED
    if action == "password":  # only while they work on it: not once completed or cancelled
        return mine and order.status == OrderStatus.ASSIGNED
    return False

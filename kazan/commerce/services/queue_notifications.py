"""What the customer hears about a token order (seed 004 §8.4: the confirmation with the queue
position, every status change, a better position when it reaches a milestone) and what an
operator hears when an order is assigned to them, in their linked chat. Sent after commit
through messaging's notify helpers, each with an idempotency key (a retried task never sends
twice); a message that cannot go out is written in the order's history for the team."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import translation
from django.utils.translation import gettext as _

from kazan.commerce.models import Order, OrderEvent, OrderStatus
from kazan.commerce.tokens import tokens_format

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.queue")
S = OrderStatus
# The chat team members linked (Telegram), looked up by an app above commerce (channels owns
# MemberChat): (business, user) -> chat id or None. Registered in AppConfig.ready().
_operator_chat: list[Callable[[Business, object], str | None]] = []


def operator_chat_resolver_register(resolver: Callable[[Business, object], str | None]) -> None:
    _operator_chat[:] = [resolver]


def _text(order: Order, event: str, position: int | None) -> str:
    number = order.number
    where = _("Your place in the queue: %(position)s.") % {"position": position} if position else ""
    if event == "placed":
        text = _("Order %(number)s is confirmed: %(package)s for %(profile)s, %(tokens)s.") % {
            "number": number,
            "package": order.package.name if order.package else "",
            "profile": order.profile.full_name if order.profile else "",
            "tokens": tokens_format(order.total_minor),
        }
        if order.priority:
            text = f"{text} {_('As a premium customer you are in the priority lane.')}"
        return f"{text} {where}".strip()
    if event == "rerun":
        original = order.rerun_of.number if order.rerun_of else ""
        text = _("Your order %(original)s will be run again as order %(number)s, free of charge.")
        return f"{text % {'original': original, 'number': number}} {where}".strip()
    if event == "position":
        if position == 1:
            return _("Your order %(number)s is next in the queue.") % {"number": number}
        return _("Your order %(number)s moved up: it is number %(position)s in the queue.") % {
            "number": number,
            "position": position,
        }
    if event == S.PROCESSING:
        return _("Your order %(number)s is being processed.") % {"number": number}
    if event == S.ASSIGNED:
        return _("An operator is working on your order %(number)s.") % {"number": number}
    if event == S.COMPLETED:
        return _("Your order %(number)s is completed. Thank you!") % {"number": number}
    if event == S.CANCELLED:
        if order.total_minor:
            return _(
                "Your order %(number)s was cancelled and %(tokens)s went back to your balance."
            ) % {"number": number, "tokens": tokens_format(order.total_minor)}
        return _("Your order %(number)s was cancelled.") % {"number": number}
    return _("Your order %(number)s is %(status)s.") % {
        "number": number,
        "status": S(event).label if event in S.values else event,
    }


def token_order_notify(
    *, business: Business, order_id: int, event: str, position: int | None = None
) -> bool:
    """Tells the customer about `event` ("placed", "rerun", "position" or a status) of the
    order. True when queued; once per order and event (and position)."""
    from kazan.messaging.notify import customer_notify

    order = (
        Order.objects.filter(business=business, pk=order_id)
        .select_related("customer", "profile", "package", "rerun_of")
        .first()
    )
    if order is None:
        return False
    customer = order.customer
    key = f"order-{order.pk}-{event}" + (f"-{position}" if event == "position" else "")
    language = (customer.language if customer else "") or business.language or "en"
    with translation.override(language):
        reason = customer_notify(
            business=business,
            customer=customer,
            channel=order.channel,
            text=_text(order, event, position),
            idempotency_key=key,
            template_keys=("order_update",),
        )
    if reason:
        logger.info("token order %s: notification not sent", order.pk)
        with translation.override(business.language or "en"):
            note = _("The customer was not told (%(reason)s).") % {"reason": reason}
        OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.NOTE, note=note, actor_kind="system"
        )
        return False
    return True


def operator_assigned_notify(*, business: Business, order_id: int, operator_id: int) -> bool:
    """Tells the operator an order was assigned to them, in the chat they linked (if any)."""
    from kazan.messaging.notify import member_notify

    order = (
        Order.objects.filter(business=business, pk=order_id, operator_id=operator_id)
        .select_related("operator", "package")
        .first()
    )
    if order is None or order.operator is None or not _operator_chat:
        return False
    chat = _operator_chat[0](business, order.operator)
    if not chat:
        return False
    with translation.override(order.operator.language or business.language or "en"):
        text = _("Order %(number)s (%(package)s) was assigned to you in %(business)s.") % {
            "number": order.number,
            "package": order.package.name if order.package else "",
            "business": business.name,
        }
    reason = member_notify(
        business=business,
        channel="telegram",
        to=chat,
        text=text,
        # Per assignment: the same operator assigned again later hears of it again.
        idempotency_key=f"order-{order.pk}-operator-{operator_id}-"
        f"{int(order.assigned_at.timestamp()) if order.assigned_at else 0}",
    )
    return not reason

"""Telling the customer about their order on the channel they ordered on (seed 002's push
notifications): a text in the customer's language plus a pre-approved WhatsApp template for
when the 24-hour window is closed (messaging drops whichever does not apply). A send that is
refused (window closed and no template, no channel identity, an erased customer) is written
in the order's history for the team, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.models import Cart, Order, OrderEvent, OrderStatus
from kazan.core.money import money_format
from kazan.messaging.notify import customer_notify

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.notifications")


def _status_text(order: Order, business: Business, status: str) -> str:
    number = order.number
    if status == OrderStatus.PAID:
        return _("Thank you! We received the payment of order %(number)s.") % {"number": number}
    if status == OrderStatus.PROCESSING:
        return _("We are preparing your order %(number)s.") % {"number": number}
    if status == OrderStatus.SHIPPED:
        if order.tracking_code:
            return _("Your order %(number)s is on its way. Tracking code: %(code)s") % {
                "number": number,
                "code": order.tracking_code,
            }
        return _("Your order %(number)s is on its way.") % {"number": number}
    if status == OrderStatus.DELIVERED:
        return _("Your order %(number)s was delivered. Thank you for shopping with %(shop)s!") % {
            "number": number,
            "shop": business.name,
        }
    if status == OrderStatus.CANCELLED:
        return _("Your order %(number)s was cancelled.") % {"number": number}
    if status == OrderStatus.REFUNDED:
        return _("Your order %(number)s was refunded: %(amount)s.") % {
            "number": number,
            "amount": money_format(order.total_minor, order.currency),
        }
    return _("Your order %(number)s is %(status)s.") % {
        "number": number,
        "status": OrderStatus(status).label,
    }


def order_status_notify(*, business: Business, order_id: int, status: str = "") -> bool:
    """Tells the customer the order reached `status` (its current one by default). True when
    the message was queued; once per order and status (an idempotency key)."""
    order = Order.objects.filter(business=business, pk=order_id).select_related("customer").first()
    if order is None:
        return False
    status = status or order.status
    customer = order.customer
    language = (customer.language if customer else "") or business.language or "en"
    with translation.override(language):
        text = _status_text(order, business, status)
        reason = customer_notify(
            business=business,
            customer=customer,
            channel=order.channel,
            text=text,
            template_keys=(
                ("order_shipped", "order_update")
                if status == OrderStatus.SHIPPED
                else ("order_update",)
            ),
            purpose="transactional",
            idempotency_key=f"order-{order.pk}-{status}",
        )
    if reason:
        logger.info("order %s: notification not sent", order.pk)
        with translation.override(business.language or "en"):
            note = _("The customer was not told (%(reason)s).") % {"reason": reason}
        OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.NOTE, note=note, actor_kind="system"
        )
        return False
    return True


def cart_reminder_send(*, business: Business, cart: Cart) -> bool:
    """The abandoned-cart reminder (marketing: the caller checked consent). Marks the cart
    reminded whatever happens, so it is never tried twice."""
    updated = Cart.objects.filter(pk=cart.pk, reminded_at__isnull=True).update(
        reminded_at=timezone.now()
    )
    if not updated:
        return False
    customer = cart.customer
    language = customer.language or business.language or "en"
    with translation.override(language):
        text = _(
            "You left something in your cart at %(shop)s. "
            "Reply to this message to finish your order."
        ) % {"shop": business.name}
        reason = customer_notify(
            business=business,
            customer=customer,
            channel=cart.channel,
            text=text,
            template_keys=("cart_reminder",),
            purpose="marketing",
            idempotency_key=f"cart-reminder-{cart.pk}",
        )
    transaction.on_commit(lambda: event_count(business=business, kind=EventKind.CART_ABANDONED))
    if reason:
        logger.info("cart %s: reminder not sent", cart.pk)
        return False
    return True

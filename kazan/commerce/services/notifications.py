"""Telling the customer about their order on the channel they ordered on (seed 002's push
notifications): a text in the customer's language plus a pre-approved WhatsApp template for
when the 24-hour window is closed (messaging drops whichever does not apply). A send that is
refused (window closed and no template, no channel identity, an erased customer) is written
in the order's history for the team, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.models import Cart, Order, OrderEvent, OrderStatus
from kazan.core.errors import KazanError
from kazan.core.money import money_format

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.notifications")

# The WhatsApp templates' names when the installation's config names none. The connect form
# (channels, WhatsApp) stores config["templates"] = {"order_update", "order_shipped",
# "cart_reminder"} and config["template_language"]; each template takes one text parameter.
DEFAULT_TEMPLATES = {
    "order_update": "order_status_update",
    "order_shipped": "order_shipped",
    "cart_reminder": "cart_reminder",
}


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


def _template(installation: Any, keys: tuple[str, ...], language: str) -> tuple[str, str]:
    """The first template of `keys` the installation names (else the default of the first)
    and its language."""
    config = getattr(installation, "config", None) or {}
    templates = config.get("templates") if isinstance(config, dict) else None
    templates = templates if isinstance(templates, dict) else {}
    chosen_language = str(config.get("template_language") or language) if config else language
    for key in keys:
        chosen = templates.get(key)
        if isinstance(chosen, str) and chosen:
            return chosen, chosen_language
    return DEFAULT_TEMPLATES[keys[0]], chosen_language


def _handle(business: Business, customer: Customer | None, channel: str) -> str:
    from kazan.customers.queries import identities_for

    if customer is None or customer.erased_at is not None:
        return ""
    identity = identities_for(business=business, customer=customer).filter(channel=channel).first()
    return identity.external_id if identity is not None else ""


def _send(
    *,
    business: Business,
    customer: Customer | None,
    channel: str,
    text: str,
    template_keys: tuple[str, ...],
    purpose: str,
    idempotency_key: str,
) -> str:
    """Queues the message; returns "" when sent, else why not (safe to show the team)."""
    from kazan.messaging.services import message_send
    from kazan.messaging.transports import installation_active

    to = _handle(business, customer, channel)
    if not to:
        return _("the customer has no address on %(channel)s") % {"channel": channel}
    installation = installation_active(business=business, channel=channel)
    language = (customer.language if customer else "") or business.language or "en"
    name, template_language = _template(installation, template_keys, language)
    replies: list[dict[str, Any]] = [{"type": "text", "text": text}]
    if channel == "whatsapp":
        replies.append(
            {
                "type": "template",
                "name": name,
                "language": template_language,
                "params": [text],
                "text": text,
            }
        )
    try:
        with transaction.atomic():
            message_send(
                business=business,
                channel=channel,
                to=to,
                payload={"replies": replies},
                purpose=purpose,
                customer=customer,
                idempotency_key=idempotency_key,
                actor_kind="system",
            )
    except KazanError as exc:
        return str(exc.message)
    return ""


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
        reason = _send(
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
        reason = _send(
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

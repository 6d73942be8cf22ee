"""Paying an order: the customer gets a secure payment link (links app, purpose "payment");
its page starts a Stripe Checkout through billing's gateway interface, and Stripe's webhook,
which arrives at billing's endpoint, is handed to `order_checkout_event` (registered as a
billing checkout listener in CommerceConfig.ready()). The amount and currency are checked
against the order before it is marked paid; billing records the event id first, so a replay
changes nothing."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from kazan.billing.gateways import CheckoutRequest, GatewayError
from kazan.billing.services import GatewayEventData, PaymentGatewayUnavailable, gateway_configured
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Order, OrderStatus, PaymentMethod
from kazan.commerce.queries.orders import commerce_settings_for
from kazan.core.errors import Conflict

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.payments")

ORDER_GATEWAY = "stripe"


def payment_link_issue(*, business: Business, order: Order) -> str:
    """A secure link to the order's payment page, valid CommerceSettings.payment_link_hours."""
    from kazan.links.services import secure_link_issue

    if order.customer is None:
        return ""
    hours = commerce_settings_for(business=business).payment_link_hours or 48
    return secure_link_issue(
        business=business,
        customer=order.customer,
        purpose="payment",
        target_id=order.pk,
        channel=order.channel,
        ttl=dt.timedelta(hours=hours),
    )


def order_checkout_start(*, business: Business, order: Order, return_url: str) -> str:
    """Opens (or reopens: the idempotency key is the order's) a Stripe Checkout for a pending
    online order and returns where to send the payer. Conflict when it cannot be paid online."""
    if order.business_id != business.pk:
        raise Conflict(code=CommerceErrorCode.ORDER_NOT_FOUND)
    if order.status != OrderStatus.PENDING or order.payment_method != PaymentMethod.ONLINE:
        raise Conflict(
            _("This order cannot be paid online."), code=CommerceErrorCode.PAYMENT_UNAVAILABLE
        )
    try:
        gateway = gateway_configured(ORDER_GATEWAY)
    except PaymentGatewayUnavailable:
        raise Conflict(
            _("Online payment is not available right now."),
            code=CommerceErrorCode.PAYMENT_UNAVAILABLE,
        ) from None
    with translation.override(business.language):
        description = _("Order %(number)s at %(shop)s") % {
            "number": order.number,
            "shop": business.name,
        }
    separator = "&" if "?" in return_url else "?"
    try:
        result = gateway.checkout_start(
            CheckoutRequest(
                payment_id=order.pk,
                business_id=business.pk,
                package_key="",
                description=description,
                amount_minor=order.total_minor,
                currency=order.currency.upper(),
                success_url=f"{return_url}{separator}paid=1",
                cancel_url=return_url,
                idempotency_key=f"kazan-order-{order.pk}-{order.total_minor}",
                metadata={
                    "kind": "order",
                    "order_id": str(order.pk),
                    "order_number": str(order.number),
                },
            )
        )
    except GatewayError as exc:
        logger.warning("checkout for order %s failed: %s", order.pk, exc.message)
        raise Conflict(
            _("The payment could not be started. Please try again in a moment."),
            code=CommerceErrorCode.PAYMENT_UNAVAILABLE,
        ) from None
    Order.objects.filter(pk=order.pk, business=business).update(payment_reference=result.reference)
    return result.redirect_url


def order_checkout_reconcile(*, business: Business, order: Order) -> bool:
    """The payer came back from Stripe: ask it about the checkout (the webhook may be late)."""
    from kazan.commerce.services.orders import order_mark_paid

    if order.status != OrderStatus.PENDING or not order.payment_reference:
        return False
    try:
        state = gateway_configured(ORDER_GATEWAY).checkout_state(order.payment_reference)
    except (GatewayError, PaymentGatewayUnavailable):
        return False
    if state is None or state.outcome != "paid":
        return False
    if state.amount_minor != order.total_minor or state.currency.upper() != order.currency.upper():
        logger.error("checkout of order %s: the amount does not match", order.pk)
        return False
    return order_mark_paid(business=business, order=order, reference=state.reference)


def order_checkout_event(event: GatewayEventData) -> str | None:
    """Billing's checkout listener: an event about an order's checkout. None when the
    reference is no order's (billing then reports an unknown payment)."""
    from kazan.commerce.services.orders import order_mark_paid

    if not event.reference:
        return None
    # The gateway's reference is unique to one checkout: it names the business.
    order = (
        Order.objects.select_related("business").filter(payment_reference=event.reference).first()
    )
    if order is None:
        return None
    if event.outcome != "paid":
        logger.info("checkout of order %s: %s", order.pk, event.event_type)
        return "unchanged"
    if event.amount_minor != order.total_minor or event.currency.upper() != order.currency.upper():
        logger.error(
            "%s event %s: amount does not match order %s", event.gateway, event.event_id, order.pk
        )
        return "mismatch"
    with transaction.atomic():
        changed = order_mark_paid(
            business=order.business,
            order=order,
            reference=event.reference,
            actor_kind=f"provider:{event.gateway}",
        )
    return "applied" if changed else "unchanged"

"""Orders: placed from the cart (numbered per business without duplicates, stock reserved),
moved along a fixed transition table, each change written to the order's history and told to
the customer on their channel; cancelled orders give their stock back, shipped ones take it
off the shelf."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import (
    Cart,
    CartItem,
    NumberSequence,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    PaymentMethod,
)
from kazan.commerce.queries.orders import cart_lines, commerce_settings_for
from kazan.commerce.services.stock import StockLine, stock_fulfil, stock_release, stock_reserve
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.orders")

S = OrderStatus
# Which status may follow which. Cash on delivery goes pending → processing (it is paid on
# delivery); an online order waits for the gateway (pending → paid).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PAID, S.PROCESSING, S.CANCELLED}),
    S.PAID: frozenset({S.PROCESSING, S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.PROCESSING: frozenset({S.SHIPPED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.DELIVERED, S.REFUNDED}),
    S.DELIVERED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}
# Statuses in which the order's stock is still reserved (not yet shipped, not given back).
HOLDS_STOCK = frozenset({S.PENDING, S.PAID, S.PROCESSING})
NOTE_MAX = 2000
TRACKING_MAX = 120


@dataclass(frozen=True)
class OrderPlaced:
    order: Order
    payment_url: str  # a secure payment link; "" for cash on delivery


def number_next(*, business: Business, kind: str) -> int:
    """The next number of `kind` for the business. The sequence row is locked (SELECT … FOR
    UPDATE) until the caller's transaction ends, so two orders at once never share a number
    and a rolled-back order leaves no gap."""
    with transaction.atomic():
        NumberSequence.objects.get_or_create(business=business, kind=kind)
        sequence = NumberSequence.objects.select_for_update().get(business=business, kind=kind)
        NumberSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
        return sequence.last + 1


def _stock_lines(order: Order) -> list[StockLine]:
    """The order's lines whose product still exists (a deleted product has no stock)."""
    return [
        StockLine(product_id=item.product_id, variant_id=item.variant_id, quantity=item.quantity)
        for item in OrderItem.objects.filter(order=order, product__isnull=False)
        if item.product_id is not None
    ]


def _payment_method(business: Business, requested: str | None) -> str:
    settings = commerce_settings_for(business=business)
    allowed = [
        method
        for method, on in (
            (PaymentMethod.ONLINE, settings.pay_online),
            (PaymentMethod.ON_DELIVERY, settings.pay_on_delivery),
        )
        if on
    ]
    if not allowed:
        raise Conflict(
            _("This shop takes no orders at the moment."),
            code=CommerceErrorCode.PAYMENT_UNAVAILABLE,
        )
    if requested in (None, ""):
        return allowed[0]
    if requested not in allowed:
        raise ValidationFailed(
            _("This way of paying is not available."), code=CommerceErrorCode.PAYMENT_UNAVAILABLE
        )
    return str(requested)


def order_create(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    payment_method: str | None = None,
) -> OrderPlaced:
    """Turns the customer's open cart into a pending order: prices as they are now, stock
    reserved (all or nothing), the cart marked ordered; online orders get a payment link."""
    from kazan.commerce.services.cart import _cart_for_update
    from kazan.commerce.services.payments import payment_link_issue

    if customer.business_id != business.pk:
        raise NotFound()
    method = _payment_method(business, payment_method)
    with transaction.atomic():
        cart = _cart_for_update(business=business, customer=customer, channel=channel, create=False)
        view = cart_lines(business=business, cart=cart) if cart is not None else None
        if cart is None or view is None or view.empty:
            raise Conflict(_("The cart is empty."), code=CommerceErrorCode.CART_EMPTY)
        stock_reserve(
            business=business,
            lines=[
                StockLine(
                    product_id=line.product_id, variant_id=line.variant_id, quantity=line.quantity
                )
                for line in view.lines
            ],
        )
        order = Order.objects.create(
            business=business,
            customer=customer,
            cart=cart,
            number=number_next(business=business, kind="order"),
            channel=channel,
            currency=view.currency,
            subtotal_minor=view.subtotal_minor,
            discount_minor=view.discount_minor,
            total_minor=view.total_minor,
            payment_method=method,
        )
        OrderItem.objects.bulk_create(
            [
                OrderItem(
                    order=order,
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    name=line.name[:330],
                    sku=line.sku,
                    unit_price_minor=line.unit_minor,
                    quantity=line.quantity,
                    discount_minor=line.discount_minor * line.quantity,
                    total_minor=line.total_minor,
                )
                for line in view.lines
            ]
        )
        OrderEvent.objects.create(
            order=order, kind=OrderEvent.Kind.STATUS, to_status=S.PENDING, actor_kind="customer"
        )
        Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.ORDERED)
        payment_url = ""
        if method == PaymentMethod.ONLINE and order.total_minor > 0:
            payment_url = payment_link_issue(business=business, order=order)
        transaction.on_commit(lambda: event_count(business=business, kind=EventKind.ORDER_CREATED))
    return OrderPlaced(order=order, payment_url=payment_url)


def _locked(business: Business, order: Order) -> Order:
    locked = Order.objects.select_for_update().filter(business=business, pk=order.pk).first()
    if locked is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return locked


def order_status_change(
    *,
    business: Business,
    order: Order,
    to_status: str,
    actor: User | None,
    actor_kind: str = "member",
    note: str = "",
    tracking_code: str = "",
    notify: bool = True,
) -> Order:
    """Moves the order to `to_status` if the transition table allows it; stock follows
    (released on cancel or refund before shipping, taken off the shelf on shipping), an
    invoice is issued when the order is paid (or delivered, for cash on delivery), the
    history records it and the customer is told on their channel."""
    from kazan.commerce.services.invoices import invoice_issue
    from kazan.commerce.services.notifications import order_status_notify

    if to_status not in S.values:
        raise ValidationFailed(_("Unknown order status."), code=CommerceErrorCode.STATUS_TRANSITION)
    note = (note or "").strip()[:NOTE_MAX]
    tracking_code = (tracking_code or "").strip()[:TRACKING_MAX]
    with transaction.atomic():
        current = _locked(business, order)
        before = current.status
        if current.payment_method == PaymentMethod.TOKENS:
            raise Conflict(
                _("A token order changes its status in the queue."),
                code=CommerceErrorCode.STATUS_TRANSITION,
            )
        if to_status not in TRANSITIONS[before]:
            raise Conflict(
                _("An order that is %(from)s cannot become %(to)s.")
                % {"from": S(before).label, "to": S(to_status).label},
                code=CommerceErrorCode.STATUS_TRANSITION,
            )
        now = timezone.now()
        current.status = to_status
        fields = ["status", "updated_at"]
        lines = _stock_lines(current)
        if to_status in (S.CANCELLED, S.REFUNDED) and before in HOLDS_STOCK and lines:
            stock_release(business=business, lines=lines)
        if to_status == S.SHIPPED and before in HOLDS_STOCK and lines:
            stock_fulfil(business=business, lines=lines)
        if to_status == S.PAID:
            current.paid_at = now
            fields.append("paid_at")
        elif to_status == S.SHIPPED:
            current.shipped_at = now
            fields.append("shipped_at")
            if tracking_code:
                current.tracking_code = tracking_code
                fields.append("tracking_code")
        elif to_status == S.DELIVERED:
            current.delivered_at = now
            fields.append("delivered_at")
            if current.paid_at is None:  # cash on delivery: paid now
                current.paid_at = now
                fields.append("paid_at")
        elif to_status == S.CANCELLED:
            current.cancelled_at = now
            fields.append("cancelled_at")
        current.save(update_fields=fields)
        OrderEvent.objects.create(
            order=current,
            kind=OrderEvent.Kind.STATUS,
            from_status=before,
            to_status=to_status,
            note=note,
            actor=actor,
            actor_kind=actor_kind,
        )
        if to_status == S.PAID or (
            to_status == S.DELIVERED and current.payment_method == PaymentMethod.ON_DELIVERY
        ):
            invoice_issue(business=business, order=current)
        if to_status == S.PAID:
            transaction.on_commit(lambda: event_count(business=business, kind=EventKind.ORDER_PAID))
        if notify:
            order_id = current.pk
            transaction.on_commit(
                lambda: order_status_notify(business=business, order_id=order_id, status=to_status)
            )
    return current


def order_cancel(
    *,
    business: Business,
    order: Order,
    actor: User | None,
    actor_kind: str = "member",
    note: str = "",
) -> Order:
    """Cancels the order and gives its reserved stock back."""
    return order_status_change(
        business=business,
        order=order,
        to_status=S.CANCELLED,
        actor=actor,
        actor_kind=actor_kind,
        note=note,
    )


def order_note_add(
    *,
    business: Business,
    order: Order,
    note: str,
    actor: User | None,
    actor_kind: str | None = None,
) -> OrderEvent:
    """A note of the team in the order's history (never shown to the customer)."""
    note = (note or "").strip()
    if not note:
        raise ValidationFailed(_("The note is empty."))
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            _("The note is too long (at most %(n)d characters).") % {"n": NOTE_MAX}
        )
    if order.business_id != business.pk:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return OrderEvent.objects.create(
        order=order,
        kind=OrderEvent.Kind.NOTE,
        note=note,
        actor=actor,
        actor_kind=actor_kind or ("member" if actor is not None else "system"),
    )


@dataclass(frozen=True)
class BulkResult:
    changed: list[int]  # order numbers
    refused: dict[int, str]  # order number -> why


def orders_bulk_status(
    *,
    business: Business,
    order_ids: list[int],
    to_status: str,
    actor: User | None,
    actor_kind: str = "member",
    note: str = "",
) -> BulkResult:
    """Moves many orders at once; each is its own change (one refusal does not stop the
    others) and each customer is told."""
    changed: list[int] = []
    refused: dict[int, str] = {}
    orders = Order.objects.filter(business=business, pk__in=list(order_ids)[:500]).order_by(
        "number"
    )
    for order in orders:
        try:
            order_status_change(
                business=business,
                order=order,
                to_status=to_status,
                actor=actor,
                actor_kind=actor_kind,
                note=note,
            )
        except (Conflict, ValidationFailed) as exc:
            refused[order.number] = str(exc.message)
        else:
            changed.append(order.number)
    return BulkResult(changed=changed, refused=refused)


def order_mark_paid(
    *, business: Business, order: Order, reference: str = "", actor_kind: str = "system"
) -> bool:
    """The gateway says the order is paid. True when it changed something; an order already
    past pending changes nothing (a replayed webhook, the return page and the webhook both)."""
    with transaction.atomic():
        current = _locked(business, order)
        if current.status != S.PENDING:
            return False
        if reference and current.payment_reference != reference:
            Order.objects.filter(pk=current.pk).update(payment_reference=reference)
        order_status_change(
            business=business, order=current, to_status=S.PAID, actor=None, actor_kind=actor_kind
        )
    return True


def orders_customer_erase(*, business: Business, customer: Customer) -> None:
    """GDPR erasure: the orders stay (accounting rows: numbers, lines, totals, invoices) but no
    longer point at the person; their carts go."""
    CartItem.objects.filter(cart__business=business, cart__customer=customer).delete()
    Cart.objects.filter(business=business, customer=customer, order__isnull=True).delete()
    Order.objects.filter(business=business, customer=customer).update(customer=None)


def orders_customer_export(*, business: Business, customer: Customer) -> list[dict[str, Any]]:
    """GDPR access/portability: the customer's orders with their lines."""
    rows = []
    for order in Order.objects.filter(business=business, customer=customer).prefetch_related(
        "items"
    ):
        rows.append(
            {
                "number": order.number,
                "status": order.status,
                "channel": order.channel,
                "created_at": order.created_at.isoformat(),
                "currency": order.currency,
                "total_minor": order.total_minor,
                "payment_method": order.payment_method,
                "tracking_code": order.tracking_code,
                "lines": [
                    {"name": item.name, "quantity": item.quantity, "total_minor": item.total_minor}
                    for item in order.items.all()
                ],
            }
        )
    return rows

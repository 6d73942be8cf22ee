"""Reads of carts and orders: the cart as the customer sees it (priced now, with the best offer),
the customer's orders for the agent, the dashboard's order list and sales metrics. Every read is
scoped to one business first."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import (
    Cart,
    CartItem,
    CommerceSettings,
    Invoice,
    Order,
    OrderEvent,
    OrderItem,
    OrderStatus,
    PaymentMethod,
)
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# Orders that brought money in (for revenue and the average order value).
REVENUE_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.PROCESSING,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
)


@dataclass(frozen=True)
class CartLine:
    product_id: int
    variant_id: int | None
    name: str
    quantity: int
    unit_minor: int
    discount_minor: int  # per unit
    total_minor: int
    sku: str = ""
    retailer_id: str = ""


@dataclass(frozen=True)
class CartView:
    lines: list[CartLine]
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    currency: str
    cart_id: int | None = None
    # Retailer ids of a WhatsApp order that named no product of the catalog.
    unknown: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)


def commerce_settings_for(*, business: Business) -> CommerceSettings:
    """The business's shop settings; unsaved defaults when it has none."""
    found = CommerceSettings.objects.filter(business=business).first()
    return found or CommerceSettings(business=business)


def cart_open_get(*, business: Business, customer: Customer, channel: str) -> Cart | None:
    """The customer's open cart on the channel, if it has one and it has not expired."""
    cart = Cart.objects.filter(
        business=business, customer=customer, channel=channel, status=Cart.Status.OPEN
    ).first()
    if cart is None or cart.expires_at <= timezone.now():
        return None
    return cart


def cart_lines(*, business: Business, cart: Cart) -> CartView:
    """The cart priced now: the catalog's price with the best active offer per unit."""
    from kazan.commerce.queries.catalog import price_for

    items = CartItem.objects.filter(cart=cart, cart__business=business).select_related(
        "product", "variant"
    )
    lines: list[CartLine] = []
    currency = cart.currency
    for item in items:
        price = price_for(business=business, product=item.product, variant=item.variant)
        currency = price.currency
        name = item.product.name
        if item.variant is not None:
            name = f"{name} ({item.variant.name})"
        lines.append(
            CartLine(
                product_id=item.product_id,
                variant_id=item.variant_id,
                name=name,
                quantity=item.quantity,
                unit_minor=price.unit_minor,
                discount_minor=price.discount_minor,
                total_minor=price.final_minor * item.quantity,
                sku=(item.variant.sku if item.variant and item.variant.sku else item.product.sku),
                retailer_id=(
                    item.variant.retailer_id
                    if item.variant and item.variant.retailer_id
                    else item.product.retailer_id
                ),
            )
        )
    subtotal = sum(line.unit_minor * line.quantity for line in lines)
    discount = sum(line.discount_minor * line.quantity for line in lines)
    return CartView(
        lines=lines,
        subtotal_minor=subtotal,
        discount_minor=discount,
        total_minor=subtotal - discount,
        currency=currency,
        cart_id=cart.pk,
    )


def cart_view(*, business: Business, customer: Customer, channel: str) -> CartView:
    """What the customer has in the cart on this channel (an empty view when nothing)."""
    cart = cart_open_get(business=business, customer=customer, channel=channel)
    if cart is None:
        return CartView(lines=[], subtotal_minor=0, discount_minor=0, total_minor=0, currency="")
    return cart_lines(business=business, cart=cart)


def orders_for_customer(
    *,
    business: Business,
    customer: Customer,
    number: int | None = None,
    limit: int = 5,
    include_tokens: bool = False,
) -> list[Order]:
    """The customer's latest orders (or the one with that number), lines prefetched; token
    orders (the queue's, priced in tokens) only when asked for."""
    orders = Order.objects.filter(business=business, customer=customer)
    if not include_tokens:
        orders = orders.exclude(payment_method=PaymentMethod.TOKENS)
    if number is not None:
        orders = orders.filter(number=number)
    return list(orders.prefetch_related("items").order_by("-created_at", "-id")[:limit])


def order_get(*, business: Business, order_id: int) -> Order:
    """One shop order of the business; another business's id is NotFound, and so is a token
    order (the queue's, seed 004: its own pages and permissions)."""
    order = (
        Order.objects.filter(business=business, pk=order_id)
        .exclude(payment_method=PaymentMethod.TOKENS)
        .select_related("customer", "invoice")
        .first()
    )
    if order is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return order


def order_is_token(*, business: Business, order_id: int) -> bool:
    """Whether the id is one of the business's token orders (the shop's order page sends
    them to the queue's)."""
    return Order.objects.filter(
        business=business, pk=order_id, payment_method=PaymentMethod.TOKENS
    ).exists()


def order_get_by_number(*, business: Business, number: int) -> Order:
    order = Order.objects.filter(business=business, number=number).first()
    if order is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return order


def order_events(*, order: Order) -> QuerySet[OrderEvent]:
    return (
        OrderEvent.objects.filter(order=order).select_related("actor").order_by("created_at", "id")
    )


def order_items(*, order: Order) -> QuerySet[OrderItem]:
    return OrderItem.objects.filter(order=order).order_by("id")


def orders_list(
    *,
    business: Business,
    status: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    search: str = "",
    payment_method: str = "",
    number: int | None = None,
) -> QuerySet[Order]:
    """The dashboard's (and the API's) order list, newest first, customer joined and the
    lines counted in the same query (no N+1). `search` finds customers by name or, through
    their blind indexes, by exact phone or email; a number finds the order. Never token orders
    (the queue's, seed 004, listed by the queue with its own permissions): the shop's list is
    money.
    """
    from kazan.customers.queries import customer_list

    orders = Order.objects.filter(business=business).exclude(payment_method=PaymentMethod.TOKENS)
    if status:
        orders = orders.filter(status=status)
    if since:
        orders = orders.filter(created_at__gte=since)
    if until:
        orders = orders.filter(created_at__lt=until)
    if payment_method:
        orders = orders.filter(payment_method=payment_method)
    if number is not None:
        orders = orders.filter(number=number)
    search = (search or "").strip()
    if search:
        condition = Q(customer_id__in=customer_list(business=business, search=search).values("pk"))
        if search.lstrip("#").isascii() and search.lstrip("#").isdigit() and len(search) < 10:
            condition |= Q(number=int(search.lstrip("#")))
        orders = orders.filter(condition)
    return (
        orders.select_related("customer")
        .annotate(line_count=Count("items"))
        .order_by("-created_at", "-id")
    )


def invoice_for(*, business: Business, order: Order) -> Invoice | None:
    return Invoice.objects.filter(business=business, order=order).first()


def carts_abandoned(*, business: Business, older_than: dt.datetime) -> QuerySet[Cart]:
    """Open carts with lines, untouched since `older_than`, never reminded."""
    return (
        Cart.objects.filter(
            business=business,
            status=Cart.Status.OPEN,
            updated_at__lt=older_than,
            reminded_at__isnull=True,
            expires_at__gt=timezone.now(),
            customer__erased_at__isnull=True,
        )
        .filter(items__isnull=False)
        .distinct()
        .select_related("customer")
    )


@dataclass(frozen=True)
class SalesMetrics:
    orders: int
    revenue_minor: int
    average_minor: int
    currency: str
    conversations: int
    conversion: float | None  # orders / conversations in the period, None without any
    abandoned_carts: int
    # [(day, orders, revenue_minor)] for the trend chart, one row per day of the period.
    trend: list[tuple[dt.date, int, int]]


def sales_metrics(
    *, business: Business, since: dt.datetime, until: dt.datetime, conversations: int
) -> SalesMetrics:
    """Orders, revenue, average order value, conversion and abandoned carts in [since, until);
    `conversations` is the number of conversations in the period (the caller reads it from
    the conversations app, above which this query cannot look)."""
    period = Order.objects.filter(
        business=business, created_at__gte=since, created_at__lt=until
    ).exclude(payment_method=PaymentMethod.TOKENS)
    paid = period.filter(status__in=REVENUE_STATUSES)
    totals = paid.aggregate(revenue=Sum("total_minor"), count=Count("id"))
    revenue = totals["revenue"] or 0
    paid_count = totals["count"] or 0
    order_count = period.exclude(status=OrderStatus.CANCELLED).count()
    currency = period.values_list("currency", flat=True).first() or business_currency(
        business=business
    )
    abandoned = Cart.objects.filter(
        business=business, reminded_at__gte=since, reminded_at__lt=until
    ).count()
    by_day = {
        row["day"]: (row["n"], row["revenue"] or 0)
        for row in period.exclude(status=OrderStatus.CANCELLED)
        .annotate(day=TruncDate("created_at", tzinfo=_tz(business)))
        .values("day")
        .annotate(n=Count("id"), revenue=Sum("total_minor", filter=Q(status__in=REVENUE_STATUSES)))
        .order_by("day")
    }
    trend = []
    day = since.astimezone(_tz(business)).date()
    last = (until - dt.timedelta(microseconds=1)).astimezone(_tz(business)).date()
    while day <= last:
        n, money = by_day.get(day, (0, 0))
        trend.append((day, n, money))
        day += dt.timedelta(days=1)
    return SalesMetrics(
        orders=order_count,
        revenue_minor=revenue,
        average_minor=revenue // paid_count if paid_count else 0,
        currency=currency,
        conversations=conversations,
        conversion=(order_count / conversations) if conversations else None,
        abandoned_carts=abandoned,
        trend=trend,
    )


def business_currency(*, business: Business) -> str:
    return str(getattr(business, "currency", "") or "EUR")


def _tz(business: Business) -> dt.tzinfo:
    import zoneinfo

    return zoneinfo.ZoneInfo(business.timezone)

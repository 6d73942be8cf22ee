"""Carts per customer and channel: the agent's tools and a WhatsApp `order` message fill them,
the customer orders from them. One open cart per (business, customer, channel) — the database
says so (cart_one_open_per_channel); a cart untouched for CommerceSettings.cart_ttl_hours
expires (carts_expire) and the next add starts a new one."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Cart, CartItem, Product, ProductVariant
from kazan.commerce.queries.orders import CartView, cart_lines, cart_view, commerce_settings_for
from kazan.core.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.commerce.cart")

MAX_LINE_QUANTITY = 999


def _quantity_check(quantity: object, *, allow_zero: bool = False) -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise ValidationFailed(
            _("The quantity must be a whole number."), code=CommerceErrorCode.INVALID_QUANTITY
        )
    low = 0 if allow_zero else 1
    if quantity < low or quantity > MAX_LINE_QUANTITY:
        raise ValidationFailed(
            _("The quantity must be between %(low)d and %(high)d.")
            % {"low": low, "high": MAX_LINE_QUANTITY},
            code=CommerceErrorCode.INVALID_QUANTITY,
        )
    return quantity


def _product_variant(
    *, business: Business, product_id: int, variant_id: int | None
) -> tuple[Product, ProductVariant | None]:
    product = Product.objects.filter(business=business, pk=product_id).first()
    if product is None:
        raise NotFound(_("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND)
    if not product.active:
        raise ValidationFailed(
            _("%(name)s is not available any more.") % {"name": product.name},
            code=CommerceErrorCode.PRODUCT_INACTIVE,
        )
    variant = None
    if variant_id is not None:
        variant = ProductVariant.objects.filter(product=product, pk=variant_id, active=True).first()
        if variant is None:
            raise NotFound(
                _("This variant does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND
            )
    elif ProductVariant.objects.filter(product=product, active=True).exists():
        raise ValidationFailed(
            _("Please choose a variant of %(name)s.") % {"name": product.name},
            code=CommerceErrorCode.VARIANT_REQUIRED,
        )
    return product, variant


def _cart_for_update(
    *, business: Business, customer: Customer, channel: str, create: bool, currency: str = "EUR"
) -> Cart | None:
    """The open cart, locked; an expired one is closed first. Inside a transaction."""
    now = timezone.now()
    cart = (
        Cart.objects.select_for_update()
        .filter(business=business, customer=customer, channel=channel, status=Cart.Status.OPEN)
        .first()
    )
    if cart is not None and cart.expires_at <= now:
        Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.EXPIRED)
        cart = None
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(
                    business=business,
                    customer=customer,
                    channel=channel,
                    currency=currency,
                    expires_at=now + _ttl(business),
                )
        except IntegrityError:  # a concurrent add opened it: use theirs
            cart = (
                Cart.objects.select_for_update()
                .filter(
                    business=business, customer=customer, channel=channel, status=Cart.Status.OPEN
                )
                .first()
            )
        else:
            transaction.on_commit(
                lambda: event_count(business=business, kind=EventKind.CART_CREATED)
            )
    return cart


def _ttl(business: Business) -> dt.timedelta:
    return dt.timedelta(hours=commerce_settings_for(business=business).cart_ttl_hours or 72)


def _touch(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(
        updated_at=timezone.now(), expires_at=timezone.now() + _ttl(cart.business)
    )


def _line(cart: Cart, product: Product, variant: ProductVariant | None) -> CartItem | None:
    return CartItem.objects.filter(cart=cart, product=product, variant=variant).first()


def _available_check(product: Product, variant: ProductVariant | None, quantity: int) -> None:
    from kazan.commerce.queries.catalog import available

    left = available(product, variant)
    if left is not None and quantity > left:
        raise ValidationFailed(
            _("Only %(left)d of %(name)s left.") % {"left": max(left, 0), "name": product.name},
            code=CommerceErrorCode.OUT_OF_STOCK,
        )


def _line_write(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    product_id: int,
    variant_id: int | None,
    quantity: Callable[[int], int],
) -> CartView:
    """Sets a product's line to `quantity(what the cart holds now)`, checked against the limit
    and the stock, in the customer's open cart (opened when there is none)."""
    if customer.business_id != business.pk:
        raise NotFound()
    product, variant = _product_variant(
        business=business, product_id=product_id, variant_id=variant_id
    )
    with transaction.atomic():
        cart = _cart_for_update(
            business=business,
            customer=customer,
            channel=channel,
            create=True,
            currency=product.currency,
        )
        assert cart is not None
        line = _line(cart, product, variant)
        total = _quantity_check(quantity(line.quantity if line else 0))
        _available_check(product, variant, total)
        if line is None:
            CartItem.objects.create(cart=cart, product=product, variant=variant, quantity=total)
        else:
            CartItem.objects.filter(pk=line.pk).update(quantity=total)
        _touch(cart)
        return cart_lines(business=business, cart=cart)


def cart_add(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    product_id: int,
    variant_id: int | None = None,
    quantity: int = 1,
) -> CartView:
    """Adds `quantity` of a product (a variant where it has some) to the customer's cart."""
    quantity = _quantity_check(quantity)
    return _line_write(
        business=business,
        customer=customer,
        channel=channel,
        product_id=product_id,
        variant_id=variant_id,
        quantity=lambda current: current + quantity,
    )


def cart_remove(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    product_id: int,
    variant_id: int | None = None,
    quantity: int | None = None,
) -> CartView:
    """Takes `quantity` of a line out of the cart (None, or as many as there are: the line)."""
    if quantity is not None:
        quantity = _quantity_check(quantity)
    with transaction.atomic():
        cart = _cart_for_update(business=business, customer=customer, channel=channel, create=False)
        if cart is None:
            return cart_view(business=business, customer=customer, channel=channel)
        line = CartItem.objects.filter(
            cart=cart, product_id=product_id, variant_id=variant_id
        ).first()
        if line is None:
            raise NotFound(
                _("This product is not in the cart."), code=CommerceErrorCode.PRODUCT_NOT_FOUND
            )
        if quantity is None or quantity >= line.quantity:
            line.delete()
        else:
            CartItem.objects.filter(pk=line.pk).update(quantity=line.quantity - quantity)
        _touch(cart)
        return cart_lines(business=business, cart=cart)


def cart_set_quantity(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    product_id: int,
    variant_id: int | None = None,
    quantity: int,
) -> CartView:
    """Sets a line's quantity (0 removes it; a product not yet in the cart is added)."""
    quantity = _quantity_check(quantity, allow_zero=True)
    if quantity == 0:
        try:
            return cart_remove(
                business=business,
                customer=customer,
                channel=channel,
                product_id=product_id,
                variant_id=variant_id,
            )
        except NotFound:
            return cart_view(business=business, customer=customer, channel=channel)
    return _line_write(
        business=business,
        customer=customer,
        channel=channel,
        product_id=product_id,
        variant_id=variant_id,
        quantity=lambda _current: quantity,
    )


def cart_clear(*, business: Business, customer: Customer, channel: str) -> CartView:
    """Empties the open cart (the cart itself stays open)."""
    with transaction.atomic():
        cart = _cart_for_update(business=business, customer=customer, channel=channel, create=False)
        if cart is not None:
            CartItem.objects.filter(cart=cart).delete()
            _touch(cart)
    return cart_view(business=business, customer=customer, channel=channel)


def cart_from_order_message(
    *,
    business: Business,
    customer: Customer,
    channel: str,
    catalog_id: str,
    items: list[dict[str, Any]],
) -> CartView:
    """A WhatsApp `order` message replaces the cart's lines with the products it names (by
    retailer id; quantities as sent, prices always ours). Unknown retailer ids and products
    that cannot be sold are reported in `.unknown`, the rest still goes in."""
    from kazan.commerce.queries.catalog import product_by_retailer_id

    unknown: list[str] = []
    wanted: list[tuple[Product, ProductVariant | None, int]] = []
    for raw in items if isinstance(items, list) else []:
        retailer_id = (
            str((raw or {}).get("retailer_id") or "")[:100] if isinstance(raw, dict) else ""
        )
        quantity = raw.get("quantity") if isinstance(raw, dict) else None
        try:
            quantity = int(str(quantity))
        except ValueError:
            quantity = 0
        found = (
            product_by_retailer_id(business=business, retailer_id=retailer_id)
            if retailer_id
            else None
        )
        if found is None or quantity < 1 or quantity > MAX_LINE_QUANTITY or not found[0].active:
            unknown.append(retailer_id)
            continue
        wanted.append((found[0], found[1], quantity))
    # A message naming nothing we sell leaves the cart as it was.
    with transaction.atomic():
        cart = (
            _cart_for_update(business=business, customer=customer, channel=channel, create=True)
            if wanted
            else None
        )
        if cart is not None:
            CartItem.objects.filter(cart=cart).delete()
            for product, variant, quantity in wanted:
                line = _line(cart, product, variant)
                if line is None:
                    CartItem.objects.create(
                        cart=cart, product=product, variant=variant, quantity=quantity
                    )
                else:
                    CartItem.objects.filter(pk=line.pk).update(quantity=line.quantity + quantity)
            _touch(cart)
    if catalog_id:
        logger.info(
            "order message for business %s: %d lines, %d unknown",
            business.pk,
            len(wanted),
            len(unknown),
        )
    view = cart_view(business=business, customer=customer, channel=channel)
    return CartView(
        lines=view.lines,
        subtotal_minor=view.subtotal_minor,
        discount_minor=view.discount_minor,
        total_minor=view.total_minor,
        currency=view.currency,
        cart_id=view.cart_id,
        unknown=unknown,
    )


def carts_expire(*, now: dt.datetime | None = None) -> int:
    """Closes every open cart past its expiry (all businesses; a periodic task)."""
    now = now or timezone.now()
    return Cart.objects.filter(status=Cart.Status.OPEN, expires_at__lte=now).update(
        status=Cart.Status.EXPIRED
    )

"""Stock with reservations. A pending order holds units (`reserved`); what can be sold is
`stock - reserved`. Each reservation is a conditional UPDATE (`reserved + q <= stock`) so two
buyers of the last unit cannot both get it, and the lines of one order are reserved together
or not at all (one transaction; the first refused line rolls the others back)."""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Product, ProductVariant
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


@dataclass(frozen=True)
class StockLine:
    product_id: int
    variant_id: int | None
    quantity: int


# (model, row id) -> (quantity, the product's name for messages)
_Targets = dict[tuple[type[Product] | type[ProductVariant], int], tuple[int, str]]


def _targets(business: "Business", lines: list[StockLine]) -> _Targets:
    """Which row counts each line's stock (the variant's when it tracks its own, else the
    product's; untracked lines drop out), with the quantities of equal rows added up."""
    targets: _Targets = {}
    for line in lines:
        if int(line.quantity) < 1:
            raise ValidationFailed(
                _("A quantity must be at least 1."), code=CommerceErrorCode.INVALID_QUANTITY
            )
        product = Product.objects.filter(business=business, pk=line.product_id).first()
        if product is None:
            raise NotFound(
                _("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND
            )
        key: tuple[type[Product] | type[ProductVariant], int] | None = None
        if line.variant_id is not None:
            variant = ProductVariant.objects.filter(product=product, pk=line.variant_id).first()
            if variant is None:
                raise NotFound(
                    _("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND
                )
            if variant.stock is not None:
                key = (ProductVariant, variant.pk)
        if key is None and product.stock is not None:
            key = (Product, product.pk)
        if key is not None:
            quantity, _name = targets.get(key, (0, product.name))
            targets[key] = (quantity + int(line.quantity), product.name)
    # A stable order, so two transactions lock rows in the same order and never deadlock.
    return dict(sorted(targets.items(), key=lambda kv: (kv[0][0].__name__, kv[0][1])))


def stock_reserve(*, business: "Business", lines: list[StockLine]) -> None:
    """Holds the lines' units for a pending order, all or none; Conflict OUT_OF_STOCK names
    the first product that has not enough left."""
    with transaction.atomic():
        for (model, pk), (quantity, name) in _targets(business, lines).items():
            done = model.objects.filter(
                pk=pk, stock__isnull=False, reserved__lte=F("stock") - quantity
            ).update(reserved=F("reserved") + quantity)
            if not done:
                raise Conflict(
                    _("Not enough of “%(name)s” left in stock.") % {"name": name},
                    code=CommerceErrorCode.OUT_OF_STOCK,
                )


def stock_release(*, business: "Business", lines: list[StockLine]) -> None:
    """Gives back what a cancelled order held (never below zero)."""
    with transaction.atomic():
        for (model, pk), (quantity, _name) in _targets(business, lines).items():
            model.objects.filter(pk=pk).update(
                reserved=Greatest(F("reserved") - quantity, Value(0))
            )


def stock_fulfil(*, business: "Business", lines: list[StockLine]) -> None:
    """The order left the shop: its units leave the shelf and the reservation. Shipping more
    than the shelf holds (stock corrected by hand meanwhile) is refused, all lines or none."""
    with transaction.atomic():
        for (model, pk), (quantity, name) in _targets(business, lines).items():
            done = model.objects.filter(pk=pk, stock__gte=quantity).update(
                stock=F("stock") - quantity,
                reserved=Greatest(F("reserved") - quantity, Value(0)),
            )
            if not done:
                raise Conflict(
                    _("Not enough of “%(name)s” left in stock.") % {"name": name},
                    code=CommerceErrorCode.OUT_OF_STOCK,
                )

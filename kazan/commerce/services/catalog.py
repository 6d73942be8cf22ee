"""Writes of a business's catalog: categories, products (and services and events), variants,
and the product limit. Each checks its input (a clear ValidationFailed, never a database
error), runs in one transaction and records activity with ids only."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Category, Product, ProductKind, ProductVariant
from kazan.core.entitlements import Limit, plan_allows
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

PRICE_MAX = 10**12  # minor units: ten billion in a two-decimal currency
STOCK_MAX = 10**9
_CURRENCY = re.compile(r"^[A-Z]{3}$")
PRODUCT_FIELDS = frozenset(
    {
        "category_id",
        "kind",
        "sku",
        "name",
        "description",
        "price_minor",
        "currency",
        "stock",
        "active",
        "duration_minutes",
        "starts_at",
        "ends_at",
        "attributes",
        "retailer_id",
    }
)
VARIANT_FIELDS = frozenset(
    {"name", "options", "sku", "price_minor", "stock", "active", "position", "retailer_id"}
)


def invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CommerceErrorCode.INVALID_PRODUCT)


def _line(value: object, *, label: str, max_length: int, required: bool = False) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise invalid(_("Please fill in the %(field)s.") % {"field": label})
    if len(text) > max_length:
        raise invalid(
            _("The %(field)s is too long (at most %(max)d characters).")
            % {"field": label, "max": max_length}
        )
    return text


def _int(value: object, *, label: str, low: int, high: int, optional: bool) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        raise invalid(_("Please fill in the %(field)s.") % {"field": label})
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise invalid(_("The %(field)s must be a whole number.") % {"field": label})
    try:
        number = int(value)
    except ValueError:
        raise invalid(_("The %(field)s must be a whole number.") % {"field": label}) from None
    if not low <= number <= high:
        raise invalid(
            _("The %(field)s must be between %(low)d and %(high)d.")
            % {"field": label, "low": low, "high": high}
        )
    return number


def _attributes(value: object) -> dict[str, str]:
    if value in (None, ""):
        return {}
    if not isinstance(value, dict) or len(value) > 30:
        raise invalid(_("Attributes must be at most 30 pairs of a name and a text."))
    out: dict[str, str] = {}
    for key, text in value.items():
        name = _line(key, label=_("attribute name"), max_length=40, required=True)
        if not isinstance(text, str | int | float) or isinstance(text, bool):
            raise invalid(_("An attribute's value must be a text."))
        out[name] = _line(text, label=_("attribute value"), max_length=200)
    return out


def _aware(value: object, label: str) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if not isinstance(value, dt.datetime):
        raise invalid(_("The %(field)s must be a date and time.") % {"field": label})
    if value.tzinfo is None:
        raise invalid(_("The %(field)s needs a time zone.") % {"field": label})
    return value


def product_clean(*, business: Business, fields: dict[str, Any]) -> dict[str, Any]:
    """The product's fields checked and tidied (only those given)."""
    unknown = set(fields) - PRODUCT_FIELDS
    if unknown:
        raise invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            out[key] = _line(value, label=_("name"), max_length=200, required=True)
        elif key == "description":
            text = str(value or "").replace("\r\n", "\n").strip()
            if len(text) > 5000:
                raise invalid(_("The description is too long (at most 5000 characters)."))
            out[key] = text
        elif key in ("sku", "retailer_id"):
            limit = 64 if key == "sku" else 100
            out[key] = _line(value, label=key.replace("_", " "), max_length=limit)
        elif key == "kind":
            if value not in ProductKind.values:
                raise invalid(_("Choose product, service or event."))
            out[key] = value
        elif key == "price_minor":
            out[key] = _int(value, label=_("price"), low=0, high=PRICE_MAX, optional=False)
        elif key == "currency":
            code = str(value or "").strip().upper()
            if not _CURRENCY.match(code):
                raise invalid(_("The currency must be a three-letter code such as EUR."))
            out[key] = code
        elif key == "stock":
            out[key] = _int(value, label=_("stock"), low=0, high=STOCK_MAX, optional=True)
        elif key == "duration_minutes":
            out[key] = _int(value, label=_("duration"), low=1, high=100_000, optional=True)
        elif key in ("starts_at", "ends_at"):
            out[key] = _aware(value, _("start") if key == "starts_at" else _("end"))
        elif key == "attributes":
            out[key] = _attributes(value)
        elif key == "active":
            out[key] = bool(value)
        elif key == "category_id":
            if value in (None, ""):
                out[key] = None
            else:
                pk = _int(value, label=_("category"), low=1, high=2**62, optional=False) or 0
                if not Category.objects.filter(business=business, pk=pk).exists():
                    raise invalid(_("This category does not exist."))
                out[key] = pk
    return out


def _product_rules(business: Business, product: Product) -> None:
    if product.starts_at and product.ends_at and product.ends_at <= product.starts_at:
        raise invalid(_("The end must come after the start."))
    if product.kind == ProductKind.EVENT and product.starts_at is None:
        raise invalid(_("An event needs a start date and time."))
    if product.stock is not None and product.stock < product.reserved:
        raise invalid(
            _("Pending orders hold %(count)d; the stock cannot be lower.")
            % {"count": product.reserved}
        )
    for field in ("sku", "retailer_id"):
        value = getattr(product, field)
        if value:
            clash = Product.objects.filter(business=business, **{field: value}).exclude(
                pk=product.pk
            )
            if clash.exists() or (
                field == "retailer_id"
                and ProductVariant.objects.filter(
                    product__business=business, retailer_id=value
                ).exists()
            ):
                raise Conflict(
                    _("Another product already has this %(field)s.")
                    % {"field": _("SKU") if field == "sku" else _("retailer id")},
                    code=CommerceErrorCode.INVALID_PRODUCT,
                )


def product_owned_check(business: Business, product: Product) -> None:
    """Another business's product is a 404, like a missing one."""
    if product.business_id != business.pk:
        raise NotFound(_("This product does not exist."), code=CommerceErrorCode.PRODUCT_NOT_FOUND)


def product_create(
    *, business: Business, actor: Actor, actor_kind: str | None = None, **fields: Any
) -> Product:
    """A new product, service or event within the plan's product limit; name and price required."""
    for required in ("name", "price_minor"):
        fields.setdefault(required, None)
    clean = product_clean(business=business, fields=fields)
    with transaction.atomic():
        plan_allows(business=business, key=Limit.PRODUCTS)
        product = Product(business=business, **clean)
        _product_rules(business, product)
        try:
            with transaction.atomic():
                product.save()
        except IntegrityError as error:  # the same SKU saved at the same moment
            raise Conflict(
                _("Another product already has this SKU."), code=CommerceErrorCode.INVALID_PRODUCT
            ) from error
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_created",
            target=product,
            data={"kind": product.kind},
        )
    return product


def product_update(
    *,
    business: Business,
    actor: Actor,
    product: Product,
    actor_kind: str | None = None,
    **changes: Any,
) -> Product:
    """Changes the given fields; the others stay."""
    product_owned_check(business, product)
    clean = product_clean(business=business, fields=changes)
    with transaction.atomic():
        locked = Product.objects.select_for_update().get(pk=product.pk)
        for key, value in clean.items():
            setattr(locked, key, value)
        _product_rules(business, locked)
        try:
            with transaction.atomic():
                locked.save()
        except IntegrityError as error:
            raise Conflict(
                _("Another product already has this SKU."), code=CommerceErrorCode.INVALID_PRODUCT
            ) from error
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=locked,
            data={"fields": sorted(clean)},
        )
    return locked


def product_delete(
    *, business: Business, actor: Actor, product: Product, actor_kind: str | None = None
) -> None:
    """Deletes a product; orders keep their lines (name and prices were copied)."""
    product_owned_check(business, product)
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_deleted",
            data={"product_id": product.pk},
        )
        Product.objects.filter(business=business, pk=product.pk).delete()


# Variants -----------------------------------------------------------------------------------


def variant_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - VARIANT_FIELDS
    if unknown:
        raise invalid(_("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))})
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "name":
            out[key] = _line(value, label=_("name"), max_length=120, required=True)
        elif key in ("sku", "retailer_id"):
            out[key] = _line(
                value, label=key.replace("_", " "), max_length=64 if key == "sku" else 100
            )
        elif key == "options":
            out[key] = _attributes(value)
        elif key == "price_minor":
            out[key] = _int(value, label=_("price"), low=0, high=PRICE_MAX, optional=True)
        elif key == "stock":
            out[key] = _int(value, label=_("stock"), low=0, high=STOCK_MAX, optional=True)
        elif key == "position":
            out[key] = _int(value, label=_("position"), low=0, high=100_000, optional=False)
        elif key == "active":
            out[key] = bool(value)
    return out


def _variant_save(business: Business, variant: ProductVariant) -> None:
    if variant.stock is not None and variant.stock < variant.reserved:
        raise invalid(
            _("Pending orders hold %(count)d; the stock cannot be lower.")
            % {"count": variant.reserved}
        )
    if variant.retailer_id and (
        Product.objects.filter(business=business, retailer_id=variant.retailer_id).exists()
        or ProductVariant.objects.filter(
            product__business=business, retailer_id=variant.retailer_id
        )
        .exclude(pk=variant.pk)
        .exists()
    ):
        raise Conflict(
            _("Another product already has this retailer id."),
            code=CommerceErrorCode.INVALID_PRODUCT,
        )
    try:
        with transaction.atomic():
            variant.save()
    except IntegrityError as error:
        raise Conflict(
            _("This product already has a variant with this name."),
            code=CommerceErrorCode.INVALID_PRODUCT,
        ) from error


def variant_create(
    *,
    business: Business,
    actor: Actor,
    product: Product,
    actor_kind: str | None = None,
    **fields: Any,
) -> ProductVariant:
    product_owned_check(business, product)
    fields.setdefault("name", None)
    clean = variant_clean(fields)
    with transaction.atomic():
        variant = ProductVariant(product=product, **clean)
        _variant_save(business, variant)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=product,
            data={"variant_added": variant.pk},
        )
    return variant


def variant_update(
    *,
    business: Business,
    actor: Actor,
    variant: ProductVariant,
    actor_kind: str | None = None,
    **changes: Any,
) -> ProductVariant:
    product_owned_check(business, variant.product)
    clean = variant_clean(changes)
    with transaction.atomic():
        locked = ProductVariant.objects.select_for_update().get(pk=variant.pk)
        for key, value in clean.items():
            setattr(locked, key, value)
        _variant_save(business, locked)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=variant.product,
            data={"variant_changed": variant.pk, "fields": sorted(clean)},
        )
    return locked


def variant_delete(
    *, business: Business, actor: Actor, variant: ProductVariant, actor_kind: str | None = None
) -> None:
    product_owned_check(business, variant.product)
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.product_updated",
            target=variant.product,
            data={"variant_deleted": variant.pk},
        )
        variant.delete()

"""Writes of a business's categories (a tree of two levels: categories and subcategories) and
offers (a percentage or an amount off, in a date range, on products and/or categories)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Category, Offer, Product
from kazan.commerce.services.catalog import PRICE_MAX
from kazan.core.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business


def _category_invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CommerceErrorCode.INVALID_PRODUCT)


def _category_fields(
    business: Business, category: Category | None, name: object, parent_id: object
) -> tuple[str, int | None]:
    text = " ".join(str(name or "").split())
    if not text:
        raise _category_invalid(_("Please write the category's name."))
    if len(text) > 120:
        raise _category_invalid(_("The name is too long (at most 120 characters)."))
    if parent_id in (None, ""):
        return text, None
    try:
        pk = int(str(parent_id))
    except ValueError:
        raise _category_invalid(_("This category does not exist.")) from None
    parent = Category.objects.filter(business=business, pk=pk).first()
    if parent is None:
        raise _category_invalid(_("This category does not exist."))
    if parent.parent_id is not None:
        raise _category_invalid(_("A subcategory cannot have subcategories of its own."))
    if category is not None and (
        parent.pk == category.pk or Category.objects.filter(parent=category).exists()
    ):
        raise _category_invalid(_("A category with subcategories cannot go under another."))
    return text, parent.pk


def _category_save(category: Category) -> None:
    clash = Category.objects.filter(
        business_id=category.business_id, parent_id=category.parent_id, name__iexact=category.name
    ).exclude(pk=category.pk)
    if clash.exists():
        raise Conflict(
            _("A category with this name already exists here."),
            code=CommerceErrorCode.INVALID_PRODUCT,
        )
    try:
        with transaction.atomic():
            category.save()
    except IntegrityError as error:
        raise Conflict(
            _("A category with this name already exists here."),
            code=CommerceErrorCode.INVALID_PRODUCT,
        ) from error


def category_create(
    *,
    business: Business,
    actor: Actor,
    name: str,
    parent_id: int | None = None,
    description: str = "",
    position: int = 0,
    active: bool = True,
    actor_kind: str | None = None,
) -> Category:
    text, parent = _category_fields(business, None, name, parent_id)
    with transaction.atomic():
        category = Category(
            business=business,
            name=text,
            parent_id=parent,
            description=str(description or "").strip()[:2000],
            position=max(0, min(int(position or 0), 100_000)),
            active=bool(active),
        )
        _category_save(category)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.category_created",
            target=category,
        )
    return category


def category_update(
    *,
    business: Business,
    actor: Actor,
    category: Category,
    actor_kind: str | None = None,
    **changes: Any,
) -> Category:
    if category.business_id != business.pk:
        raise NotFound(_("This category does not exist."))
    unknown = set(changes) - {"name", "parent_id", "description", "position", "active"}
    if unknown:
        raise _category_invalid(
            _("Unknown fields: %(names)s") % {"names": ", ".join(sorted(unknown))}
        )
    name, parent = _category_fields(
        business,
        category,
        changes.get("name", category.name),
        changes.get("parent_id", category.parent_id),
    )
    with transaction.atomic():
        category.name, category.parent_id = name, parent
        if "description" in changes:
            category.description = str(changes["description"] or "").strip()[:2000]
        if "position" in changes:
            category.position = max(0, min(int(changes["position"] or 0), 100_000))
        if "active" in changes:
            category.active = bool(changes["active"])
        _category_save(category)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.category_updated",
            target=category,
        )
    return category


def category_delete(
    *, business: Business, actor: Actor, category: Category, actor_kind: str | None = None
) -> None:
    """Deletes a category and its subcategories; their products stay, without a category."""
    if category.business_id != business.pk:
        raise NotFound(_("This category does not exist."))
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.category_deleted",
            data={"category_id": category.pk},
        )
        Category.objects.filter(business=business, pk=category.pk).delete()


# Offers -------------------------------------------------------------------------------------


def _offer_invalid(message: str) -> ValidationFailed:
    return ValidationFailed(message, code=CommerceErrorCode.INVALID_OFFER)


def offer_clean(*, business: Business, fields: dict[str, Any]) -> dict[str, Any]:
    """Checks an offer's fields (all of them: the form and the API send the whole offer)."""
    name = " ".join(str(fields.get("name") or "").split())
    if not name or len(name) > 120:
        raise _offer_invalid(_("Please write the offer's name (at most 120 characters)."))
    kind = fields.get("kind")
    if kind not in Offer.Kind.values:
        raise _offer_invalid(_("Choose a percentage or an amount."))
    value = fields.get("value")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _offer_invalid(_("The value must be a whole number."))
    if kind == Offer.Kind.PERCENT and not 1 <= value <= 100:
        raise _offer_invalid(_("A percentage must be between 1 and 100."))
    if kind == Offer.Kind.AMOUNT and not 1 <= value <= PRICE_MAX:
        raise _offer_invalid(_("The amount must be more than zero."))
    starts, ends = fields.get("starts_at"), fields.get("ends_at")
    for moment in (starts, ends):
        if moment is not None and (not isinstance(moment, dt.datetime) or moment.tzinfo is None):
            raise _offer_invalid(_("Dates need a time zone."))
    if starts and ends and ends <= starts:
        raise _offer_invalid(_("The end must come after the start."))
    product_ids = {int(pk) for pk in fields.get("product_ids") or ()}
    category_ids = {int(pk) for pk in fields.get("category_ids") or ()}
    products = list(Product.objects.filter(business=business, pk__in=product_ids))
    categories = list(Category.objects.filter(business=business, pk__in=category_ids))
    if len(products) != len(product_ids) or len(categories) != len(category_ids):
        raise _offer_invalid(_("Some of the chosen products or categories do not exist."))
    return {
        "name": name,
        "kind": kind,
        "value": value,
        "starts_at": starts,
        "ends_at": ends,
        "active": bool(fields.get("active", True)),
        "products": products,
        "categories": categories,
    }


def offer_save(
    *,
    business: Business,
    actor: Actor,
    offer: Offer | None = None,
    actor_kind: str | None = None,
    **fields: Any,
) -> Offer:
    """Creates (offer None) or replaces an offer. Fields: name, kind, value (percent, or minor
    units off each unit), starts_at, ends_at, active, product_ids, category_ids (none: the
    whole catalog)."""
    if offer is not None and offer.business_id != business.pk:
        raise NotFound(_("This offer does not exist."))
    clean = offer_clean(business=business, fields=fields)
    products, categories = clean.pop("products"), clean.pop("categories")
    with transaction.atomic():
        target = offer or Offer(business=business)
        for key, value in clean.items():
            setattr(target, key, value)
        target.save()
        target.products.set(products)
        target.categories.set(categories)
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.offer_saved",
            target=target,
            data={"kind": target.kind, "new": offer is None},
        )
    return target


def offer_delete(
    *, business: Business, actor: Actor, offer: Offer, actor_kind: str | None = None
) -> None:
    if offer.business_id != business.pk:
        raise NotFound(_("This offer does not exist."))
    with transaction.atomic():
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="commerce.offer_deleted",
            data={"offer_id": offer.pk},
        )
        offer.delete()

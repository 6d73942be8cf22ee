"""The business's tags: created, renamed, recolored and deleted by the team, and put on or
taken off customers one at a time or in bulk."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import Customer, Tag
from kazan.customers.normalize import TAGS_MAX, tags_normalize

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# Customers one bulk action may tag or untag at once (a page of the list is 50).
TAG_BULK_MAX = 500


def _tag_get_or_create(business: Business, name: str) -> Tag:
    def existing() -> Tag | None:
        return Tag.objects.filter(business=business, name__iexact=name).first()

    return (
        existing()
        or insert_or_fetch(lambda: Tag.objects.create(business=business, name=name), existing)[0]
    )


def tags_resolve(business: Business, names: list[str]) -> list[Tag]:
    """The business's tags with these names (case-insensitive), created where missing."""
    return [_tag_get_or_create(business, name) for name in names]


def _tag_name_valid(name: str) -> str:
    names = tags_normalize([name])
    if not names:
        raise ValidationFailed(
            _("Please enter a name for the tag."), code=CustomersErrorCode.INVALID_TAG
        )
    return names[0]


def _tag_color_valid(color: str) -> str:
    if color not in Tag.Color.values:
        raise ValidationFailed(
            _("Choose one of the colors."), code=CustomersErrorCode.INVALID_COLOR
        )
    return color


def _tag_duplicate() -> ValidationFailed:
    return ValidationFailed(
        _("This business already has a tag with this name."), code=CustomersErrorCode.DUPLICATE_TAG
    )


def _tag_in_business(business: Business, tag: Tag) -> None:
    if tag.business_id != business.pk:
        raise NotFound(_("This tag does not exist."))


def tag_create(*, business: Business, name: str, color: str = Tag.Color.GRAY, actor: Actor) -> Tag:
    """A new tag of the business; a name it already has (in any case) is refused."""
    name = _tag_name_valid(name)
    color = _tag_color_valid(color)
    with transaction.atomic():
        if Tag.objects.filter(business=business, name__iexact=name).exists():
            raise _tag_duplicate()
        try:
            with transaction.atomic():
                tag = Tag.objects.create(business=business, name=name, color=color)
        except IntegrityError:  # the same name created at the same moment
            raise _tag_duplicate() from None
        activity_record(
            business=business, actor=actor, action="tag.created", target=tag, data={"color": color}
        )
    return tag


def tag_update(*, business: Business, tag: Tag, name: str, color: str, actor: Actor) -> Tag:
    """Rename and/or recolor a tag; its customers keep it. A name another tag of the business
    has (in any case) is refused; changing only the case of its own name is allowed."""
    _tag_in_business(business, tag)
    name = _tag_name_valid(name)
    color = _tag_color_valid(color)
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        if Tag.objects.filter(business=business, name__iexact=name).exclude(pk=current.pk).exists():
            raise _tag_duplicate()
        changed = sorted(
            field
            for field, value in (("name", name), ("color", color))
            if getattr(current, field) != value
        )
        if changed:
            current.name, current.color = name, color
            try:
                with transaction.atomic():
                    current.save(update_fields=changed)
            except IntegrityError:
                raise _tag_duplicate() from None
            activity_record(
                business=business,
                actor=actor,
                action="tag.updated",
                target=current,
                data={"fields": changed},
            )
    tag.name, tag.color = current.name, current.color
    return tag


def tag_delete(*, business: Business, tag: Tag, actor: Actor) -> int:
    """Deletes the tag and takes it off every customer. Returns how many customers had it."""
    _tag_in_business(business, tag)
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        had = current.customers.count()
        activity_record(
            business=business,
            actor=actor,
            action="tag.deleted",
            target=current,
            data={"customers": had, "name": current.name},
        )
        current.delete()
    return had


def customers_tag(
    *, business: Business, tag: Tag, customer_ids: list[int], add: bool, actor: Actor
) -> list[int]:
    """Puts `tag` on (add=True) or takes it off these customers of the business — one customer
    from their page or a selection from the list. Ids of other businesses, erased customers and
    unknown ids are ignored; a customer who already has TAGS_MAX tags is refused. Returns the
    ids actually changed; one activity row lists them (ids only, no personal data)."""
    _tag_in_business(business, tag)
    ids = sorted({int(pk) for pk in customer_ids})
    if len(ids) > TAG_BULK_MAX:
        raise ValidationFailed(
            _("Select at most %(max)d customers at once.") % {"max": TAG_BULK_MAX},
            code=CustomersErrorCode.TOO_MANY,
        )
    links = Customer.tags.through.objects
    with transaction.atomic():
        current = Tag.objects.select_for_update().filter(business=business, pk=tag.pk).first()
        if current is None:
            raise NotFound(_("This tag does not exist."))
        customers = Customer.objects.filter(business=business, pk__in=ids, erased_at__isnull=True)
        tagged = set(
            links.filter(tag=current, customer__in=customers).values_list("customer_id", flat=True)
        )
        if add:
            changed = sorted(set(customers.values_list("pk", flat=True)) - tagged)
            full = (
                Customer.objects.filter(pk__in=changed)
                .annotate(tag_count=Count("tags"))
                .filter(tag_count__gte=TAGS_MAX)
                .exists()
            )
            if full:
                raise ValidationFailed(
                    _("A customer may have at most %(max)d tags.") % {"max": TAGS_MAX},
                    code=CustomersErrorCode.INVALID_TAG,
                )
            links.bulk_create(
                [links.model(customer_id=pk, tag_id=current.pk) for pk in changed],
                ignore_conflicts=True,
            )
        else:
            changed = sorted(tagged)
            links.filter(tag=current, customer_id__in=changed).delete()
        if changed:
            activity_record(
                business=business,
                actor=actor,
                action="tag.added" if add else "tag.removed",
                target=current,
                data={"customers": changed},
            )
    return changed

"""Customer profiles (seed 004 §3.1): the people a customer registers through the bot (or the
team edits on the dashboard), each validated field by field in `profile_fields` and stored with
its contact data, birth date, address and password encrypted. Activity names the profile and
the changed fields, never their values."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.errors import NotFound, ValidationFailed
from kazan.customers.addresses import address_to_text
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import Customer, CustomerProfile
from kazan.customers.profile_fields import ADDRESS_PARTS, PROFILE_FIELDS, profile_clean
from kazan.customers.queries.profiles import profile_data
from kazan.customers.services.guards import actor_kind_or, customer_locked, in_business

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# One Telegram user registers a few people, not a directory.
PROFILES_MAX = 20
# `data` may name the phone by its short key too.
_ALIASES = {"phone": "phone_e164"}


def _data_keys(data: dict[str, str]) -> dict[str, str]:
    unknown = set(data) - set(PROFILE_FIELDS) - set(_ALIASES)
    if unknown:
        raise ValidationFailed(
            _("Unknown profile fields."), code=CustomersErrorCode.INVALID_PROFILE
        )
    return {_ALIASES.get(key, key): value for key, value in data.items()}


def _apply(profile: CustomerProfile, clean: dict[str, str]) -> list[str]:
    """Writes the clean values onto the row; returns the names of the changed fields."""
    before = profile_data(profile) if profile.pk else {}
    changed = [field for field in PROFILE_FIELDS if before.get(field, "") != clean[field]]
    for field in PROFILE_FIELDS:
        if field not in ADDRESS_PARTS:
            setattr(profile, field, clean[field])
    address = {part: clean[part] for part in ADDRESS_PARTS}
    profile.address = address_to_text(address if any(address.values()) else {})
    return changed


def profile_create(
    *,
    business: Business,
    customer: Customer,
    data: dict[str, str],
    actor: Actor = None,
    actor_kind: str = "customer",
    channel: str = "telegram",
) -> CustomerProfile:
    """A new profile of the customer from `data` (keys: `profile_fields.PROFILE_FIELDS`).
    Raises ProfileInvalid (a message per field), or ValidationFailed when the customer has
    PROFILES_MAX profiles already."""
    in_business(business, customer)
    clean = profile_clean(_data_keys(data))
    with transaction.atomic():
        current = customer_locked(business, customer)
        if CustomerProfile.objects.filter(business=business, customer=current).count() >= (
            PROFILES_MAX
        ):
            raise ValidationFailed(
                _("You can register at most %(max)d profiles.") % {"max": PROFILES_MAX},
                code=CustomersErrorCode.TOO_MANY,
            )
        profile = CustomerProfile(business=business, customer=current)
        _apply(profile, clean)
        profile.save()
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind_or(actor, actor_kind, "customer"),
            action="customer.profile_created",
            target=current,
            data={"profile": profile.pk, "channel": channel},
        )
    return profile


def _locked(business: Business, profile: CustomerProfile) -> CustomerProfile:
    found = (
        CustomerProfile.objects.select_for_update()
        .filter(business=business, pk=profile.pk)
        .select_related("customer")
        .first()
    )
    if found is None:
        raise NotFound(_("This customer profile does not exist."))
    customer_locked(business, found.customer)
    return found


def profile_update(
    *,
    business: Business,
    profile: CustomerProfile,
    data: dict[str, str],
    actor: Actor,
    actor_kind: str = "member",
) -> CustomerProfile:
    """Changes the fields named in `data` (the others stay); the whole profile is validated
    again (a new state needs a ZIP code of that state). Records the changed field names."""
    with transaction.atomic():
        current = _locked(business, profile)
        merged = {**profile_data(current), **_data_keys(data)}
        clean = profile_clean(merged)
        changed = _apply(current, clean)
        if changed:
            current.save()
            activity_record(
                business=business,
                actor=actor,
                actor_kind=actor_kind_or(actor, actor_kind, "member"),
                action="customer.profile_updated",
                target=current.customer,
                data={"profile": current.pk, "fields": changed},
            )
    return current


def profile_delete(*, business: Business, profile: CustomerProfile, actor: Actor) -> None:
    """Deletes the profile (its orders stay, no longer pointing at it)."""
    with transaction.atomic():
        current = _locked(business, profile)
        pk = current.pk
        current.delete()
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind_or(actor, None, "member"),
            action="customer.profile_deleted",
            target=current.customer,
            data={"profile": pk},
        )


def profiles_export(business: Business, customer: Customer) -> list[dict[str, str]]:
    """GDPR export section "customer_profiles": every profile with its decrypted fields."""
    return [
        {
            "id": str(profile.pk),
            "created_at": profile.created_at.isoformat(),
            **profile_data(profile),
        }
        for profile in CustomerProfile.objects.filter(business=business, customer=customer)
    ]


def profiles_erase(business: Business, customer: Customer) -> None:
    """GDPR erasure: the customer's profiles go (inside customer_erase's transaction)."""
    CustomerProfile.objects.filter(business=business, customer=customer).delete()

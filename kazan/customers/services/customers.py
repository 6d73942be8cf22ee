"""Customer profiles: found or created by phone (racing requests end with one row), registered
with their consent, touched on every interaction and edited by the team. Activity records ids
and channels, never names, phones or emails."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.activity.services import activity_record
from kazan.core.db import insert_or_fetch
from kazan.core.errors import ValidationFailed
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import ConsentWording, Customer
from kazan.customers.normalize import language_normalize, name_normalize, tags_normalize
from kazan.customers.phones import phone_index_for, phone_normalize, phone_suffix_index_for
from kazan.customers.services.consent import consent_grant
from kazan.customers.services.guards import (
    actor_kind_or,
    channel_valid,
    customer_locked,
    in_business,
)
from kazan.customers.services.tags import tags_resolve

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def _find_by_phone_index(business: Business, index: str) -> Customer | None:
    return Customer.objects.filter(business=business, phone_index=index).first()


def customer_get_or_create_by_phone(
    *,
    business: Business,
    phone: str,
    name: str = "",
    language: str = "",
    channel: str,
    actor: Actor = None,
    actor_kind: str | None = None,
) -> tuple[Customer, bool]:
    """The business's customer with this phone, created if new; returns (customer, created).

    One indexed query finds an existing customer. Two requests racing to create the same one
    both pass the look-up; the unique (business, phone_index) constraint lets one insert win and
    the other's IntegrityError (inside a savepoint) turns into a fetch of the winner. An existing
    customer's interaction time moves on; a blank name or language is filled in, but a known one
    is never overwritten by whoever types the number. Raises ValidationFailed for a bad phone.
    """
    e164 = phone_normalize(phone, region=business.country)
    index = phone_index_for(e164)
    name = name_normalize(name)
    language = language_normalize(language, strict=False)
    channel = channel_valid(channel)
    now = timezone.now()
    with transaction.atomic():
        found = _find_by_phone_index(business, index)
        if found is None:
            customer, inserted = customer_insert(
                business=business,
                identity={
                    "phone_e164": e164,
                    "phone_index": index,
                    "phone_suffix_index": phone_suffix_index_for(e164),
                },
                name=name,
                language=language,
                now=now,
                fetch=lambda: _find_by_phone_index(business, index),
                channel=channel,
                actor=actor,
                actor_kind=actor_kind,
            )
            if inserted:
                return customer, True
        else:
            customer = found
        return found_touched(customer, name=name, language=language, now=now), False


def customer_insert(
    *,
    business: Business,
    identity: dict[str, str | None],
    name: str,
    language: str,
    now: datetime,
    fetch: Callable[[], Customer | None],
    channel: str,
    actor: Actor,
    actor_kind: str | None,
) -> tuple[Customer, bool]:
    """A new customer with this identity (phone or email fields; name and language already
    normalized), or the winner of a race to create it (`fetch`); returns (customer, inserted).
    Only an insert records "customer.created", so a raced request never records it twice."""
    customer, inserted = insert_or_fetch(
        lambda: Customer.objects.create(
            business=business,
            name=name,
            language=language,
            first_interaction_at=now,
            last_interaction_at=now,
            **identity,
        ),
        fetch,
    )
    if inserted:
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind_or(actor, actor_kind, "customer"),
            action="customer.created",
            target=customer,
            data={"channel": channel},
        )
    return customer, inserted


def found_touched(customer: Customer, *, name: str, language: str, now: datetime) -> Customer:
    """A found customer's interaction time moves on; a blank name or language (already
    normalized) is filled in, a known one is never overwritten."""
    fills: dict[str, object] = {"last_interaction_at": now}
    if name and not customer.name:
        fills["name"] = name
    if language and not customer.language:
        fills["language"] = language
    Customer.objects.filter(pk=customer.pk).update(
        first_interaction_at=Coalesce(F("first_interaction_at"), now), **fills
    )
    customer.first_interaction_at = customer.first_interaction_at or now
    for field, value in fills.items():
        setattr(customer, field, value)
    return customer


def customer_register(
    *,
    business: Business,
    phone: str,
    name: str = "",
    language: str = "",
    channel: str,
    wording: ConsentWording | None = None,
    phone_verified: bool = False,
    ip: str = "",
    user_agent: str = "",
    actor: Actor = None,
    actor_kind: str | None = None,
) -> tuple[Customer, bool]:
    """Find or create the customer and, when `wording` is given, record their consent to it —
    together, so a failed consent never leaves a half-registered customer behind.
    `phone_verified`: the caller has just checked an OTP for this number."""
    with transaction.atomic():
        customer, created = customer_get_or_create_by_phone(
            business=business,
            phone=phone,
            name=name,
            language=language,
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
        )
        if phone_verified and customer.phone_verified_at is None:
            customer.phone_verified_at = timezone.now()
            Customer.objects.filter(pk=customer.pk, phone_verified_at__isnull=True).update(
                phone_verified_at=customer.phone_verified_at
            )
        if wording is not None:
            consent_grant(
                business=business,
                customer=customer,
                purpose=wording.purpose,
                channel=channel,
                wording=wording,
                ip=ip,
                user_agent=user_agent,
                actor=actor,
                actor_kind=actor_kind,
            )
        return customer, created


def customer_touch(*, business: Business, customer: Customer) -> None:
    """Record that the customer interacted just now (a message, a scan, a visit).

    Deliberately no activity row: this runs on every inbound message, and the interaction
    itself is recorded where it happens (the conversation), so a log entry would only be noise.
    """
    in_business(business, customer)
    now = timezone.now()
    Customer.objects.filter(business=business, pk=customer.pk, erased_at__isnull=True).update(
        last_interaction_at=now, first_interaction_at=Coalesce(F("first_interaction_at"), now)
    )
    customer.last_interaction_at = now
    customer.first_interaction_at = customer.first_interaction_at or now


def customer_update(
    *,
    business: Business,
    customer: Customer,
    actor: Actor,
    name: str,
    language: str,
    tags: list[str],
    email: str,
    actor_kind: str | None = None,
) -> Customer:
    """Edit the profile a team member maintains. The phone is the customer's identity and is not
    edited here. An email another customer of the business already has is refused."""
    in_business(business, customer)
    name = name_normalize(name)
    language = language_normalize(language, strict=True)
    tag_names = tags_normalize(tags)
    email = email_normalize(email)
    email_index = email_index_for(email) if email else None
    duplicate_email = ValidationFailed(
        _("Another customer of this business already has this email address."),
        code=CustomersErrorCode.DUPLICATE_EMAIL,
    )
    with transaction.atomic():
        current = customer_locked(business, customer)
        if (
            email_index
            and Customer.objects.filter(business=business, email_index=email_index)
            .exclude(pk=current.pk)
            .exists()
        ):
            raise duplicate_email
        changes = {
            field: value
            for field, value in {
                "name": name,
                "language": language,
                "email": email,
                "email_index": email_index,
            }.items()
            if getattr(current, field) != value
        }
        for field, value in changes.items():
            setattr(current, field, value)
        if changes:
            try:
                with transaction.atomic():
                    current.save(update_fields=list(changes))
            except IntegrityError:
                raise duplicate_email from None
        changed_fields = set(changes)
        new_tags = tags_resolve(business, tag_names)
        old_tag_ids = set(current.tags.values_list("pk", flat=True))
        if old_tag_ids != {tag.pk for tag in new_tags}:
            current.tags.set(new_tags)
            changed_fields.add("tags")
        changed = sorted(changed_fields - {"email_index"})
        if changed:
            activity_record(
                business=business,
                actor=actor,
                actor_kind=actor_kind,
                action="customer.updated",
                target=current,
                data={"fields": changed},
            )
    for field in ("name", "language", "email", "email_index"):
        setattr(customer, field, getattr(current, field))
    # Drop the stale prefetch so callers read the new tags.
    getattr(customer, "_prefetched_objects_cache", {}).pop("tags", None)
    return customer

"""Customers found or created from contact details a person typed into a form: an email, a
phone, or both. The customer database grows from forms, so a person who writes twice (once
with a phone, once with an email) stays one customer where the details say so."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import Actor
from kazan.core.errors import ValidationFailed
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.models import Customer
from kazan.customers.normalize import language_normalize, name_normalize
from kazan.customers.phones import phone_index_for, phone_normalize, phone_suffix_index_for
from kazan.customers.services.customers import (
    customer_get_or_create_by_phone,
    customer_insert,
    found_touched,
)
from kazan.customers.services.guards import channel_valid

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def _by_email(business: Business, index: str) -> Customer | None:
    return Customer.objects.filter(business=business, email_index=index).first()


def _fill_contact(
    business: Business, customer: Customer, field: str, value: str, index: str
) -> None:
    """Adds a missing email or phone to a found customer, unless another customer of the
    business already has it (then the details stay where they are)."""
    index_field = "phone_index" if field == "phone_e164" else "email_index"
    if not value or getattr(customer, index_field) or customer.erased_at is not None:
        return
    if Customer.objects.filter(business=business, **{index_field: index}).exists():
        return
    updates: dict[str, object] = {field: value, index_field: index}
    if field == "phone_e164":
        updates["phone_suffix_index"] = phone_suffix_index_for(value)
    for key, item in updates.items():
        setattr(customer, key, item)
    try:
        with transaction.atomic():
            customer.save(update_fields=list(updates))
    except IntegrityError:  # another request gave it to another customer just now
        customer.refresh_from_db(fields=list(updates))


def customer_get_or_create_by_contact(
    *,
    business: Business,
    email: str = "",
    phone: str = "",
    name: str = "",
    language: str = "",
    channel: str,
    actor: Actor = None,
    actor_kind: str | None = None,
) -> tuple[Customer, bool]:
    """The business's customer with this phone, else with this email, created when neither is
    known; returns (customer, created). A found customer gets the other detail when it has none
    and nobody else of the business has it; a blank name or language is filled in, a known one
    is never overwritten. Raises ValidationFailed for a bad email or phone, or neither given.
    An erased customer is never matched (its indexes are gone)."""
    email = email_normalize(email)
    e164 = phone_normalize(phone, region=business.country) if (phone or "").strip() else ""
    if not email and not e164:
        raise ValidationFailed(
            _("An email address or a phone number is needed."),
            code=CustomersErrorCode.INVALID_EMAIL,
        )
    email_index = email_index_for(email) if email else ""
    channel = channel_valid(channel)
    with transaction.atomic():
        if e164:
            phone_known = Customer.objects.filter(
                business=business, phone_index=phone_index_for(e164)
            ).exists()
            by_email = None if phone_known or not email else _by_email(business, email_index)
            if by_email is None:
                customer, created = customer_get_or_create_by_phone(
                    business=business,
                    phone=e164,
                    name=name,
                    language=language,
                    channel=channel,
                    actor=actor,
                    actor_kind=actor_kind,
                )
                _fill_contact(business, customer, "email", email, email_index)
                return customer, created
            _fill_contact(business, by_email, "phone_e164", e164, phone_index_for(e164))
            return _touched(by_email, name, language), False
        found = _by_email(business, email_index)
        if found is not None:
            return _touched(found, name, language), False
        now = timezone.now()
        customer, inserted = customer_insert(
            business=business,
            identity={"email": email, "email_index": email_index},
            name=name_normalize(name),
            language=language_normalize(language, strict=False),
            now=now,
            fetch=lambda: _by_email(business, email_index),
            channel=channel,
            actor=actor,
            actor_kind=actor_kind,
        )
        if not inserted:
            return _touched(customer, name, language), False
        return customer, True


def _touched(customer: Customer, name: str, language: str) -> Customer:
    return found_touched(
        customer,
        name=name_normalize(name),
        language=language_normalize(language, strict=False),
        now=timezone.now(),
    )

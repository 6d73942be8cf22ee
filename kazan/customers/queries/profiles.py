"""Reads of customer profiles (seed 004 §3.1): a customer's profiles, one profile, and a
profile's fields as plain (decrypted) values for the bot's summary, the panel and exports."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import NotFound
from kazan.core.masking import email_mask, phone_mask
from kazan.customers.models import CustomerProfile
from kazan.customers.profile_fields import ADDRESS_PARTS, PROFILE_FIELDS

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def customer_profiles(*, business: Business, customer: Customer) -> list[CustomerProfile]:
    """The customer's profiles, oldest first (the order the bot offers them in)."""
    return list(CustomerProfile.objects.filter(business=business, customer=customer))


def profile_get(*, business: Business, pk: int | str) -> CustomerProfile:
    """One profile of the business; NotFound for another business's or a malformed id."""
    text = str(pk)
    found = (
        CustomerProfile.objects.filter(business=business, pk=int(text)).first()
        if text.isascii() and text.isdigit()
        else None
    )
    if found is None:
        raise NotFound(_("This customer profile does not exist."))
    return found


def profile_address(profile: CustomerProfile) -> dict[str, str]:
    """The address parts ({} parts blank when none, or unreadable)."""
    try:
        data = json.loads(profile.address) if profile.address else {}
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    return {part: str(data.get(part) or "") for part in ADDRESS_PARTS}


def profile_data(profile: CustomerProfile) -> dict[str, str]:
    """Every field of the profile by its data key (`profile_fields.PROFILE_FIELDS`), decrypted."""
    address = profile_address(profile)
    return {
        field: address[field] if field in address else str(getattr(profile, field) or "")
        for field in PROFILE_FIELDS
    }


def profile_rows(*, business: Business, customer: Customer) -> list[dict[str, object]]:
    """The customer's profiles as the customer page shows them: phone and email masked like
    the customer's own, the birth date as a date (formatted by the page's locale), whether a
    password is set (never the password)."""
    rows: list[dict[str, object]] = []
    for profile in customer_profiles(business=business, customer=customer):
        data: dict[str, object] = dict(profile_data(profile))
        data["phone_e164"] = phone_mask(str(data["phone_e164"]))
        data["email"] = email_mask(str(data["email"]))
        born = str(data["date_of_birth"])
        data["date_of_birth"] = dt.date.fromisoformat(born) if born else None
        data["has_password"] = bool(data.pop("password"))
        data["full_name"] = profile.full_name
        data["gender_label"] = profile.get_gender_display() if profile.gender else ""
        data["created_at"] = profile.created_at
        data["pk"] = profile.pk
        rows.append(data)
    return rows

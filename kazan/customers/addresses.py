"""Postal addresses of customers (where orders are shipped): checked and normalized before they
are stored as encrypted JSON in Customer.address, read back as a dict. Entered by the customer on
a secure page, never in a chat."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from kazan.customers.models import Customer

ADDRESS_FIELDS = ("street", "apartment", "city", "state", "postal_code", "country")
ADDRESS_REQUIRED = frozenset({"street", "city", "postal_code", "country"})
ADDRESS_MAX = {"street": 200, "apartment": 100, "city": 100, "state": 100, "postal_code": 20}


class AddressInvalid(ValueError):
    """Field name → message for each bad part of an address."""

    def __init__(self, errors: dict[str, Promise | str]) -> None:
        super().__init__("invalid address")
        self.errors = errors


def country_valid(code: str) -> bool:
    import pycountry

    return len(code) == 2 and pycountry.countries.get(alpha_2=code.upper()) is not None


def address_normalize(raw: dict[str, Any] | None, *, required: bool = True) -> dict[str, str]:
    """A clean address dict (every field present, trimmed, the country an ISO 3166 alpha-2
    code), or {} for a blank one when not required. Raises AddressInvalid with per-field
    messages."""
    values = {
        field: " ".join(str((raw or {}).get(field) or "").split()) for field in ADDRESS_FIELDS
    }
    values["country"] = values["country"].upper()
    if not any(values.values()) and not required:
        return {}
    errors: dict[str, Promise | str] = {}
    for field in ADDRESS_FIELDS:
        if field in ADDRESS_REQUIRED and not values[field]:
            errors[field] = _("This field is required.")
        elif field in ADDRESS_MAX and len(values[field]) > ADDRESS_MAX[field]:
            errors[field] = _("This is too long.")
    if values["country"] and not country_valid(values["country"]):
        errors["country"] = _("Choose a country from the list.")
    if errors:
        raise AddressInvalid(errors)
    return values


def address_to_text(address: dict[str, str]) -> str:
    """What Customer.address stores (encrypted): "" for no address."""
    return json.dumps(address, ensure_ascii=False, sort_keys=True) if address else ""


def customer_address(customer: Customer) -> dict[str, str]:
    """The customer's address as a dict ({} when none, or unreadable)."""
    if not customer.address:
        return {}
    try:
        data = json.loads(customer.address)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {field: str(data.get(field) or "") for field in ADDRESS_FIELDS}

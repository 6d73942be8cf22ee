"""The business's billing details: whom the platform invoices (legal name, address, country, VAT
id, invoice email). Issued invoices keep the details they were issued with (a snapshot)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import BillingProfile
from kazan.billing.services.tax import EU_COUNTRIES, TaxDecision, tax_for, vat_id_normalize
from kazan.core.errors import KazanError, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")

# field: (max length, required)
TEXT_FIELDS = {
    "legal_name": (140, True),
    "address_line1": (140, True),
    "address_line2": (140, False),
    "postal_code": (20, False),
    "city": (80, True),
}
FIELD_LABELS = {
    "legal_name": gettext_noop("legal name"),
    "address_line1": gettext_noop("address"),
    "address_line2": gettext_noop("address (line 2)"),
    "postal_code": gettext_noop("postal code"),
    "city": gettext_noop("city"),
}


class ProfileInvalid(ValidationFailed):
    """A billing profile field was refused; `field` names it (the form shows it there)."""

    def __init__(self, message: str, *, code: BillingErrorCode, field: str) -> None:
        super().__init__(message, code=code)
        self.field = field


def country_code(value: object) -> str:
    code = str(value or "").strip().upper()
    if len(code) != 2 or pycountry.countries.get(alpha_2=code) is None:
        raise ProfileInvalid(
            gettext("Choose a country."), code=BillingErrorCode.INVALID_COUNTRY, field="country"
        )
    return code


def _text(data: Mapping[str, object], field: str) -> str:
    high, required = TEXT_FIELDS[field]
    text = " ".join(str(data.get(field) or "").split())
    if (required and not text) or len(text) > high:
        raise ProfileInvalid(
            gettext("Enter the %(label)s (at most %(max)s characters).")
            % {"label": gettext(FIELD_LABELS[field]), "max": high},
            code=BillingErrorCode.INVALID_FIELD,
            field=field,
        )
    return text


def _vat_id(value: object, *, country: str) -> str:
    raw = str(value or "").strip()
    if not raw:
        return ""
    if country in EU_COUNTRIES:
        try:
            return vat_id_normalize(raw, country=country)
        except ValidationFailed as exc:
            raise ProfileInvalid(
                str(exc.message), code=BillingErrorCode.INVALID_VAT_ID, field="vat_id"
            ) from None
    # Outside the EU: a tax number kept as written (letters, digits, dashes), at most 20.
    compact = "".join(raw.split()).upper()
    if len(compact) > 20 or not all(char.isalnum() or char in "-./" for char in compact):
        raise ProfileInvalid(
            gettext("Enter the tax number with letters and digits only (at most 20)."),
            code=BillingErrorCode.INVALID_VAT_ID,
            field="vat_id",
        )
    return compact


def _email(value: object) -> str:
    email = str(value or "").strip()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError:
        raise ProfileInvalid(
            gettext("Enter a valid email address."),
            code=BillingErrorCode.INVALID_EMAIL,
            field="email",
        ) from None
    return email.lower()


@dataclass(frozen=True, slots=True)
class ProfileSaved:
    """The saved profile, and a warning for the page when the gateway did not take the new
    tax ("" else): the save itself stands either way."""

    profile: BillingProfile
    warning: str = ""


def billing_profile_save(
    *, business: Business, data: Mapping[str, object], actor: Actor
) -> ProfileSaved:
    """Creates or changes the business's billing profile. The VAT id of an EU business is
    checked for its format and check digits (no VIES call) and must belong to its country;
    the invoice email is optional (else invoices go to the owners) and stored encrypted.
    A change of the tax (rate, reverse charge) moves a gateway-held plan to the new gross
    from its next period; the result's `warning` says when the gateway did not take it.
    Raises ProfileInvalid (a ValidationFailed naming the field)."""
    values: dict[str, str] = {field: _text(data, field) for field in TEXT_FIELDS}
    values["country"] = country_code(data.get("country"))
    values["vat_id"] = _vat_id(data.get("vat_id"), country=values["country"])
    values["email"] = _email(data.get("email"))
    before = tax_for(business=business)
    with transaction.atomic():
        profile = BillingProfile.objects.select_for_update().filter(business=business).first()
        profile = profile or BillingProfile(business=business)
        changed = [field for field, value in values.items() if getattr(profile, field) != value]
        if not changed and profile.pk:
            return ProfileSaved(profile)
        for field, value in values.items():
            setattr(profile, field, value)
        profile.save()
        # Field names only: the values are personal data.
        activity_record(
            business=business,
            actor=actor,
            action="billing.profile_saved",
            target=profile,
            data={"fields": changed},
        )
    return ProfileSaved(profile, warning=_gateway_gross_refresh(business, before=before))


def _gateway_gross_refresh(business: Business, *, before: TaxDecision) -> str:
    """After the save committed: when the tax changed (the rate, the reverse charge), a
    gateway-held plan charges the new gross from its next period on. The gateway refusing
    or unreachable is logged and returned as a warning for the page; the profile is saved."""
    from kazan.billing.services.plan_changes import subscription_gross_refresh

    after = tax_for(business=business)
    if (before.rate, before.reverse_charge) == (after.rate, after.reverse_charge):
        return ""
    try:
        subscription_gross_refresh(business=business)
    except KazanError as exc:
        logger.warning(
            "business #%s: the plan's gateway price was not moved to the new tax: %s",
            business.pk,
            exc.code,
        )
        return gettext(
            "Your billing details are saved, but the payment provider did not take the new "
            "tax yet, so it may charge the old amount. Please contact us."
        )
    return ""

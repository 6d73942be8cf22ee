"""Recipient numbers: parsed and checked with phonenumbers, kept as E.164."""

import phonenumbers
from django.utils.translation import gettext_lazy as _

from kazan.core.crypto import blind_index
from kazan.core.errors import ValidationFailed


def phone_e164(raw: str, *, region: str | None = None) -> str:
    """`raw` as E.164 ("+4915112345678"). National numbers are read in `region` (the business's
    country). Raises ValidationFailed for anything that is not a valid number."""
    text = (raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationFailed(_("Enter a phone number, like +49 151 23456789."))
    # "+49…" typed into a URL query arrives as " 49…": a bare run of digits was meant as E.164.
    if text[0].isdigit() and not region:
        text = "+" + text
    try:
        number = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise ValidationFailed(_("This is not a valid phone number.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationFailed(_("This is not a valid phone number."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def to_index(e164: str) -> str:
    """Blind index of a recipient number: equal numbers, equal index; nothing else leaks."""
    return blind_index(e164, scope="messaging.to") if e164 else ""

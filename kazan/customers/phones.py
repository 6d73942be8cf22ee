"""Phone numbers: one canonical form (E.164) so the blind index finds a person however they typed
their number, and a keyed index so look-ups never need the plaintext."""

import phonenumbers
from django.utils.translation import gettext_lazy as _

from kazan.core.crypto import blind_index
from kazan.core.errors import ValidationFailed
from kazan.customers.error_codes import CustomersErrorCode

PHONE_INDEX_SCOPE = "customer.phone"
# The number types a text message reaches. FIXED_LINE_OR_MOBILE is where the numbering plan does
# not tell the two apart (the US, Canada and the rest of +1): refusing it would refuse every
# mobile there. Refused: fixed lines, premium-rate, toll-free and shared-cost numbers (a text
# to them is lost or pays the SMS pumper), personal/follow-me numbers (a forward to anywhere,
# often premium-priced), VoIP (many cannot take SMS at all), pagers, UAN company numbers,
# voicemail access numbers, and anything of unknown type.
SMS_CAPABLE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)
PHONE_SUFFIX_SCOPE = "customer.phone.suffix"
# The team often knows a customer only by "the number ending in 4567". A keyed index of the last
# four digits finds the candidates; it is deliberately not unique (1 in 10,000 numbers share a
# suffix), so it tells a reader of the database almost nothing, and searches by 4 or more
# trailing digits confirm each candidate by decrypting its number.
PHONE_SUFFIX_DIGITS = 4
# Longer input is never a phone number; refusing it early keeps the parser's work bounded.
PHONE_MAX_LENGTH = 40


def phone_normalize(raw: str, *, region: str) -> str:
    """E.164 form of `raw`, read as a national number of `region` unless it starts with + or 00.

    Raises ValidationFailed (code "invalid_phone") for anything that is not a valid number, so
    callers can show the message to the person who typed it.
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationFailed(
            _("Please enter a phone number."), code=CustomersErrorCode.INVALID_PHONE
        )
    if len(text) > PHONE_MAX_LENGTH:
        raise ValidationFailed(
            _("This phone number is too long."), code=CustomersErrorCode.INVALID_PHONE
        )
    number = None
    # Letters (vanity numbers, "ext. 12") are not something a mobile customer types; the parser
    # would quietly drop them, so refuse instead of guessing.
    if not any(ch.isalpha() for ch in text):
        try:
            number = phonenumbers.parse(text, (region or "").upper() or None)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or number.extension or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            _(
                "This is not a valid phone number. Please check it, or write it with the "
                "country code, like +49 151 12345678."
            ),
            code=CustomersErrorCode.INVALID_PHONE,
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_is_mobile(e164: str) -> bool:
    """True if a normalized number is of a type that can receive a text message (a mobile)."""
    return phonenumbers.number_type(phonenumbers.parse(e164)) in SMS_CAPABLE_TYPES


def phone_index_for(e164: str) -> str:
    """Blind index of a normalized number; equal only for the same number (per deployment key).

    Uniqueness per business comes from the (business, phone_index) constraint.
    """
    return blind_index(e164, scope=PHONE_INDEX_SCOPE)


def phone_suffix_index_for(e164: str) -> str | None:
    """Blind index of the number's last PHONE_SUFFIX_DIGITS digits; None for no number."""
    digits = "".join(ch for ch in e164 or "" if ch.isdigit())
    if len(digits) < PHONE_SUFFIX_DIGITS:
        return None
    return blind_index(digits[-PHONE_SUFFIX_DIGITS:], scope=PHONE_SUFFIX_SCOPE)

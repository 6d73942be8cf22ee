"""The fields of a customer profile (seed 004 §3.1), one validator each: the bot's registration
steps and the dashboard's profile form call the same functions, so a chat and a page accept and
refuse exactly the same values. Each validator takes what a person typed and returns the value
as stored (trimmed, canonical: E.164 phone, ISO date, upper-case state, alpha-2 country, a
username without its "@"), or raises ValidationFailed with a message for that person."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import string
from collections.abc import Callable, Mapping

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.core.errors import ValidationFailed
from kazan.customers.emails import email_normalize
from kazan.customers.error_codes import CustomersErrorCode
from kazan.customers.normalize import name_normalize
from kazan.customers.phones import phone_normalize

# The 50 states and the District of Columbia, by their USPS codes.
US_STATES: dict[str, str] = {
    "AL": "Alabama",
    "AK": "Alaska",
    "AZ": "Arizona",
    "AR": "Arkansas",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "DE": "Delaware",
    "DC": "District of Columbia",
    "FL": "Florida",
    "GA": "Georgia",
    "HI": "Hawaii",
    "ID": "Idaho",
    "IL": "Illinois",
    "IN": "Indiana",
    "IA": "Iowa",
    "KS": "Kansas",
    "KY": "Kentucky",
    "LA": "Louisiana",
    "ME": "Maine",
    "MD": "Maryland",
    "MA": "Massachusetts",
    "MI": "Michigan",
    "MN": "Minnesota",
    "MS": "Mississippi",
    "MO": "Missouri",
    "MT": "Montana",
    "NE": "Nebraska",
    "NV": "Nevada",
    "NH": "New Hampshire",
    "NJ": "New Jersey",
    "NM": "New Mexico",
    "NY": "New York",
    "NC": "North Carolina",
    "ND": "North Dakota",
    "OH": "Ohio",
    "OK": "Oklahoma",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "RI": "Rhode Island",
    "SC": "South Carolina",
    "SD": "South Dakota",
    "TN": "Tennessee",
    "TX": "Texas",
    "UT": "Utah",
    "VT": "Vermont",
    "VA": "Virginia",
    "WA": "Washington",
    "WV": "West Virginia",
    "WI": "Wisconsin",
    "WY": "Wyoming",
}
DEFAULT_COUNTRY = "US"
GENDERS = ("female", "male", "other", "undisclosed")  # CustomerProfile.Gender's values

# The keys of a profile's data (the model's field names; the address by its parts).
NAME_FIELDS = ("first_name", "middle_name", "last_name")
ADDRESS_PARTS = ("street", "apartment", "city", "state", "postal_code", "country")
PROFILE_FIELDS = (
    *NAME_FIELDS,
    "phone_e164",
    "email",
    "gender",
    "date_of_birth",
    *ADDRESS_PARTS,
    "telegram_username",
    "instagram_username",
    "password",
)
OPTIONAL_FIELDS = frozenset(
    {"middle_name", "apartment", "telegram_username", "instagram_username", "password"}
)
# Encrypted at rest (the model's EncryptedTextFields; the address as one encrypted JSON).
SECRET_FIELDS = frozenset({"phone_e164", "email", "date_of_birth", "password", *ADDRESS_PARTS})

NAME_PART_MAX = 80
STREET_MAX = 200
APARTMENT_MAX = 100
CITY_MAX = 100
# A person registering is at least this old (the GDPR's default age of digital consent) and
# no older than anyone alive.
AGE_MIN = 16
AGE_MAX = 120
PASSWORD_MIN = 8
PASSWORD_MAX = 128
GENERATED_PASSWORD_LENGTH = 16

_NAME = re.compile(r"^[^\W\d_]+(?:[ '’.-]{1,2}[^\W\d_]+)*\.?$")
# ASCII digits only: `\d` takes any script's digits, which the ZIP lookup cannot handle.
_ZIP = re.compile(r"^([0-9]{5})(?:-?([0-9]{4}))?$")
_TELEGRAM = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_)){3,30}[A-Za-z0-9]$")
_INSTAGRAM = re.compile(r"^(?!\.)(?!.*\.\.)[a-z0-9._]{1,30}(?<!\.)$")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")


def _invalid(message: object, code: CustomersErrorCode) -> ValidationFailed:
    return ValidationFailed(message, code=code)  # type: ignore[arg-type]


def _required(value: str, message: object, code: CustomersErrorCode) -> str:
    if not value:
        raise _invalid(message, code)
    return value


def _clean(raw: object) -> str:
    return " ".join(str(raw or "").replace("\x00", "").split())


def name_part_validate(raw: object, *, required: bool = True) -> str:
    """A first, middle or last name: letters with spaces, hyphens, apostrophes and dots."""
    name = name_normalize(_clean(raw))
    if not name:
        if required:
            raise _invalid(_("Please enter a name."), CustomersErrorCode.INVALID_NAME)
        return ""
    if len(name) > NAME_PART_MAX:
        raise _invalid(
            _("A name may have at most %(max)d characters.") % {"max": NAME_PART_MAX},
            CustomersErrorCode.INVALID_NAME,
        )
    if not _NAME.match(name):
        raise _invalid(
            _("A name may contain only letters, spaces, hyphens and apostrophes."),
            CustomersErrorCode.INVALID_NAME,
        )
    return name


def phone_validate(raw: object, *, region: str = DEFAULT_COUNTRY) -> str:
    """The phone number in E.164 (the customers app's normalisation; national numbers are read
    as numbers of `region`)."""
    return phone_normalize(_clean(raw), region=region or DEFAULT_COUNTRY)


def email_validate(raw: object) -> str:
    return _required(
        email_normalize(_clean(raw)),
        _("Please enter your email address."),
        CustomersErrorCode.INVALID_EMAIL,
    )


def gender_validate(raw: object) -> str:
    value = _clean(raw).lower()
    if value not in GENDERS:
        raise _invalid(_("Please choose one of the options."), CustomersErrorCode.INVALID_GENDER)
    return value


def date_of_birth_validate(raw: object, *, today: dt.date | None = None) -> str:
    """A birth date (YYYY-MM-DD, MM/DD/YYYY or DD.MM.YYYY) in the past, of a person between
    AGE_MIN and AGE_MAX years old; returned as ISO."""
    text = _clean(raw)
    born = None
    # strptime's %Y/%m/%d take any script's digits; only ASCII ones are a date here.
    for pattern in _DATE_FORMATS if text.isascii() else ():
        try:
            born = dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 (a date, no time)
            break
        except ValueError:
            continue
    if born is None:
        raise _invalid(
            _("Please write the date like 1990-04-25 (year-month-day)."),
            CustomersErrorCode.INVALID_DATE_OF_BIRTH,
        )
    today = today or timezone.localdate()
    if born >= today:
        raise _invalid(
            _("A date of birth must be in the past."), CustomersErrorCode.INVALID_DATE_OF_BIRTH
        )
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    if age < AGE_MIN:
        raise _invalid(
            _("You must be at least %(age)d years old to register.") % {"age": AGE_MIN},
            CustomersErrorCode.INVALID_DATE_OF_BIRTH,
        )
    if age > AGE_MAX:
        raise _invalid(
            _("Please check the year of birth."), CustomersErrorCode.INVALID_DATE_OF_BIRTH
        )
    return born.isoformat()


def street_validate(raw: object) -> str:
    street = _clean(raw)
    if len(street) < 3 or not any(char.isalpha() for char in street):
        raise _invalid(
            _("Please enter the street and house number, like 350 Fifth Avenue."),
            CustomersErrorCode.INVALID_ADDRESS,
        )
    if len(street) > STREET_MAX:
        raise _invalid(_("This is too long."), CustomersErrorCode.INVALID_ADDRESS)
    return street


def apartment_validate(raw: object) -> str:
    apartment = _clean(raw)
    if len(apartment) > APARTMENT_MAX:
        raise _invalid(_("This is too long."), CustomersErrorCode.INVALID_ADDRESS)
    return apartment


def city_validate(raw: object) -> str:
    city = _clean(raw)
    if (
        len(city) < 2
        or len(city) > CITY_MAX
        or any(char.isdigit() for char in city)
        or not any(char.isalpha() for char in city)
    ):
        raise _invalid(_("Please enter the name of the city."), CustomersErrorCode.INVALID_ADDRESS)
    return city


def state_validate(raw: object) -> str:
    """A US state (or DC) by its code or its name; returned as the code."""
    text = _clean(raw)
    code = text.upper()
    if code in US_STATES:
        return code
    by_name = {name.casefold(): key for key, name in US_STATES.items()}
    if text.casefold() in by_name:
        return by_name[text.casefold()]
    raise _invalid(_("Please choose a US state from the list."), CustomersErrorCode.INVALID_STATE)


def postal_code_validate(raw: object, *, state: str = "") -> str:
    """A US ZIP code (12345 or 12345-6789) that exists, and lies in `state` when given."""
    import zipcodes

    match = _ZIP.match(_clean(raw))
    if match is None:
        raise _invalid(
            _("A ZIP code has 5 digits, like 10001 (or 10001-1234)."),
            CustomersErrorCode.INVALID_POSTAL_CODE,
        )
    zip5, plus4 = match.groups()
    places = zipcodes.matching(zip5)
    if not places:
        raise _invalid(_("This ZIP code does not exist."), CustomersErrorCode.INVALID_POSTAL_CODE)
    if state and all(place.get("state") != state for place in places):
        raise _invalid(
            _("This ZIP code is not in %(state)s.") % {"state": US_STATES.get(state, state)},
            CustomersErrorCode.INVALID_POSTAL_CODE,
        )
    return f"{zip5}-{plus4}" if plus4 else zip5


def country_validate(raw: object) -> str:
    """A country by its name or ISO code ("USA", "United States", "us"); returned as alpha-2."""
    import pycountry

    text = _clean(raw)
    try:
        country = pycountry.countries.lookup(text) if text else None
    except LookupError:
        country = None
    if country is None:
        raise _invalid(
            _("Please enter a country, like United States."), CustomersErrorCode.INVALID_COUNTRY
        )
    return str(country.alpha_2)


def telegram_username_validate(raw: object) -> str:
    """Telegram's rules: 5 to 32 letters, digits and underscores, starting with a letter, not
    ending with an underscore, no two underscores in a row. Kept without the "@"."""
    name = _clean(raw).removeprefix("@")
    if name and not _TELEGRAM.match(name):
        raise _invalid(
            _(
                "A Telegram username has 5 to 32 letters, digits or underscores and starts "
                "with a letter."
            ),
            CustomersErrorCode.INVALID_USERNAME,
        )
    return name


def instagram_username_validate(raw: object) -> str:
    """Instagram's rules: up to 30 letters, digits, dots and underscores, not starting or
    ending with a dot, no two dots in a row. Kept lower-case without the "@"."""
    name = _clean(raw).removeprefix("@").lower()
    if name and not _INSTAGRAM.match(name):
        raise _invalid(
            _(
                "An Instagram username has up to 30 letters, digits, dots or underscores "
                "(no dot at the start or end)."
            ),
            CustomersErrorCode.INVALID_USERNAME,
        )
    return name


def password_validate(raw: object) -> str:
    """An optional password: empty, or PASSWORD_MIN to PASSWORD_MAX characters without spaces
    at either end."""
    password = str(raw or "").replace("\x00", "")
    if not password:
        return ""
    if password != password.strip() or not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise _invalid(
            _("A password needs %(min)d to %(max)d characters, without spaces at the ends.")
            % {"min": PASSWORD_MIN, "max": PASSWORD_MAX},
            CustomersErrorCode.INVALID_PASSWORD,
        )
    return password


def password_generate() -> str:
    """A strong random password: GENERATED_PASSWORD_LENGTH characters from letters, digits and
    a few unambiguous symbols, with at least one of each kind."""
    symbols = "!#$%*+-=?@_"
    alphabet = string.ascii_letters + string.digits + symbols
    while True:
        password = "".join(secrets.choice(alphabet) for _i in range(GENERATED_PASSWORD_LENGTH))
        if (
            any(c.islower() for c in password)
            and any(c.isupper() for c in password)
            and any(c.isdigit() for c in password)
            and any(c in symbols for c in password)
        ):
            return password


def gender_label(value: str) -> str:
    """A gender's translated label ("Prefer not to say")."""
    from kazan.customers.models import CustomerProfile

    return str(dict(CustomerProfile.Gender.choices).get(value, value))


def country_name(code: str) -> str:
    """A country's English short name by its alpha-2 code (the code when unknown)."""
    import pycountry

    country = pycountry.countries.get(alpha_2=code) if code else None
    return str(country.name) if country else code


def _optional_name(raw: object) -> str:
    return name_part_validate(raw, required=False)


# One validator per field (the postal code and the phone need their context: see
# `field_validate`).
FIELD_VALIDATORS: dict[str, Callable[[object], str]] = {
    "first_name": name_part_validate,
    "middle_name": _optional_name,
    "last_name": name_part_validate,
    "email": email_validate,
    "gender": gender_validate,
    "date_of_birth": date_of_birth_validate,
    "street": street_validate,
    "apartment": apartment_validate,
    "city": city_validate,
    "state": state_validate,
    "country": country_validate,
    "telegram_username": telegram_username_validate,
    "instagram_username": instagram_username_validate,
    "password": password_validate,
}


def field_validate(field: str, raw: object, *, region: str = "", state: str = "") -> str:
    """The stored value of one field from what a person typed. `region`: the country a national
    phone number is read in; `state`: the state a ZIP code must lie in."""
    if field == "phone_e164":
        return phone_validate(raw, region=region)
    if field == "postal_code":
        return postal_code_validate(raw, state=state)
    if field in OPTIONAL_FIELDS and not _clean(raw) and field != "password":
        return ""
    return FIELD_VALIDATORS[field](raw)


class ProfileInvalid(ValidationFailed):
    """Field name → message for each bad field; `message` is the first one."""

    def __init__(self, errors: dict[str, object]) -> None:
        first = next(iter(errors.values()))
        super().__init__(first, code=CustomersErrorCode.INVALID_PROFILE)  # type: ignore[arg-type]
        self.errors = errors


def profile_clean(data: Mapping[str, object]) -> dict[str, str]:
    """Every field of a profile validated (the required ones present; a US address's state
    and ZIP checked together; a national phone number read in the profile's country); raises
    ProfileInvalid with a message per bad field."""
    clean: dict[str, str] = {}
    errors: dict[str, object] = {}
    country = _clean(data.get("country")) or DEFAULT_COUNTRY
    try:
        region = country_validate(country)
    except ValidationFailed:
        region = DEFAULT_COUNTRY
    for field in PROFILE_FIELDS:
        raw = data.get(field, "")
        if field == "country":
            raw = country
        try:
            value = field_validate(field, raw, region=region, state=clean.get("state", ""))
        except ValidationFailed as error:
            errors[field] = error.message
            continue
        if not value and field not in OPTIONAL_FIELDS:
            errors[field] = _("This field is required.")
        clean[field] = value
    if clean.get("country") and clean["country"] != DEFAULT_COUNTRY:
        errors.pop("state", None)  # a US state list; outside the US the state is free text
        errors.pop("postal_code", None)
        clean["state"] = _clean(data.get("state"))[:100]
        clean["postal_code"] = _clean(data.get("postal_code"))[:20]
    if errors:
        raise ProfileInvalid(errors)
    return clean

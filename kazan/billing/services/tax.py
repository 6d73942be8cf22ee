"""VAT on what the platform charges a business: which rate, and when the reverse charge applies.

The seller is settings.SELLER_COUNTRY. A buyer in the same country pays its rate; a business in
another EU country with a VAT id pays no VAT and accounts for it itself (reverse charge, Art. 196
of Directive 2006/112/EC); a buyer in another EU country without one pays its own country's rate
(B2C place of supply for electronic services); outside the EU no VAT is charged.

VAT ids are checked for their format and check digits (python-stdnum) only — there is no VIES
look-up, so a well-formed id of a deregistered company passes. Staff keep rates current in the
console (TaxRate); amounts are rounded half up to the minor unit, with Decimal.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext, gettext_noop
from stdnum.eu import vat as eu_vat

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import BillingProfile, TaxRate
from kazan.core.errors import PermissionDenied, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

EU_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
# Greece's VAT ids start with EL, not its ISO code.
_VAT_PREFIX = {"GR": "EL"}

REVERSE_CHARGE_NOTE = gettext_noop(
    "Reverse charge: VAT to be accounted for by the recipient "
    "(Art. 196 Council Directive 2006/112/EC)"
)
ZERO = Decimal(0)
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class TaxDecision:
    rate: Decimal  # percent, e.g. Decimal("19.00")
    reverse_charge: bool
    note: str  # printed on the invoice, in the active language ("" when none)
    country: str  # the buyer's


def round_half_up(value: Decimal) -> int:
    """A Decimal amount of minor units to a whole minor unit, halves away from zero."""
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def vat_id_normalize(vat_id: str, *, country: str) -> str:
    """The compact VAT id with its country prefix ("de 136 695 976" → "DE136695976"); raises
    ValidationFailed when the format or check digits are wrong, or it belongs to another
    country. Format only: no VIES call."""
    prefix = _VAT_PREFIX.get(country, country)
    number = "".join(char for char in str(vat_id or "")[:40] if char.isalnum()).upper()
    if number and not number[:2].isalpha():
        number = prefix + number
    if not number or number[:2] != prefix or not eu_vat.is_valid(number):
        raise ValidationFailed(
            gettext(
                "This is not a valid VAT id for %(country)s: check the country prefix "
                "(%(prefix)s) and the digits."
            )
            % {"country": country, "prefix": prefix},
            code=BillingErrorCode.INVALID_VAT_ID,
        )
    return number


def vat_id_is_valid(vat_id: str, *, country: str) -> bool:
    try:
        vat_id_normalize(vat_id, country=country)
    except ValidationFailed:
        return False
    return True


def rate_for(country: str) -> Decimal:
    rate = TaxRate.objects.filter(country=country).values_list("rate", flat=True).first()
    return rate if rate is not None else ZERO


def tax_for(*, business: Business) -> TaxDecision:
    """The VAT treatment of the business as a buyer now: from its billing profile, else its
    own country as a consumer (no VAT id)."""
    profile = BillingProfile.objects.filter(business=business).first()
    country = (profile.country if profile else business.country or "").upper()
    vat_id = profile.vat_id if profile else ""
    seller = settings.SELLER_COUNTRY
    if country == seller:
        return TaxDecision(rate=rate_for(country), reverse_charge=False, note="", country=country)
    if seller in EU_COUNTRIES and country in EU_COUNTRIES:
        if vat_id and vat_id_is_valid(vat_id, country=country):
            return TaxDecision(
                rate=ZERO, reverse_charge=True, note=gettext(REVERSE_CHARGE_NOTE), country=country
            )
        return TaxDecision(rate=rate_for(country), reverse_charge=False, note="", country=country)
    return TaxDecision(rate=ZERO, reverse_charge=False, note="", country=country)


def tax_of_net(net_minor: int, rate: Decimal) -> int:
    return round_half_up(Decimal(net_minor) * rate / HUNDRED)


def net_of_gross(gross_minor: int, rate: Decimal) -> int:
    return round_half_up(Decimal(gross_minor) * HUNDRED / (HUNDRED + rate))


def gross_for(*, business: Business, net_minor: int) -> int:
    """What a gateway charges for `net_minor`: the net plus the business's VAT."""
    return net_minor + tax_of_net(net_minor, tax_for(business=business).rate)


def tax_rate_set(*, country: str, rate: Decimal | str, name: str = "VAT", actor: Actor) -> TaxRate:
    """Staff set the rate charged to buyers in `country` (new invoices only; issued ones keep
    theirs). Raises PermissionDenied, ValidationFailed."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    country = str(country or "").strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise ValidationFailed(
            gettext("Enter a two-letter country code, like DE."),
            code=BillingErrorCode.INVALID_COUNTRY,
        )
    try:
        value = Decimal(str(rate)).quantize(Decimal("0.01"))
    except ArithmeticError:
        value = Decimal(-1)
    if not ZERO <= value < HUNDRED:
        raise ValidationFailed(
            gettext("Enter a rate from 0 to 99.99 percent."), code=BillingErrorCode.INVALID_RATE
        )
    name = " ".join(str(name or "VAT").split())[:40] or "VAT"
    with transaction.atomic():
        row = TaxRate.objects.select_for_update().filter(country=country).first()
        old = row.rate if row else None
        row = row or TaxRate(country=country)
        row.rate, row.name = value, name
        row.save()
        activity_record(
            business=None,
            actor=actor,
            action="billing.tax_rate_set",
            target=row,
            data={"country": country, "rate": [str(old) if old is not None else "", str(value)]},
        )
    return row

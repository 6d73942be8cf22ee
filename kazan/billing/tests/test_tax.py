"""Which VAT a business pays: domestic rate, EU B2B reverse charge, EU B2C at the buyer's rate,
nothing outside the EU; and the gross a gateway charges."""

from decimal import Decimal

import pytest

from kazan.billing.models import BillingProfile
from kazan.billing.services.tax import (
    REVERSE_CHARGE_NOTE,
    gross_for,
    tax_for,
    tax_rate_set,
    vat_id_normalize,
)
from kazan.core.errors import PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def profile(business, *, country, vat_id=""):
    return BillingProfile.objects.create(
        business=business,
        legal_name="Buyer Ltd",
        address_line1="Street 1",
        city="Town",
        country=country,
        vat_id=vat_id,
    )


def test_a_domestic_buyer_pays_the_seller_countrys_rate(business, settings):
    settings.SELLER_COUNTRY = "DE"
    decision = tax_for(business=business)  # no profile: the business's country (DE), B2C
    assert (decision.rate, decision.reverse_charge, decision.country) == (Decimal(19), False, "DE")
    assert gross_for(business=business, net_minor=4900) == 5831


def test_a_domestic_business_with_a_vat_id_still_pays_vat(business):
    profile(business, country="DE", vat_id="DE136695976")
    assert tax_for(business=business).rate == Decimal(19)


def test_an_eu_business_with_a_valid_vat_id_gets_the_reverse_charge(business):
    profile(business, country="FR", vat_id="FR40303265045")
    decision = tax_for(business=business)
    assert decision.rate == 0
    assert decision.reverse_charge is True
    assert decision.note == REVERSE_CHARGE_NOTE
    assert gross_for(business=business, net_minor=4900) == 4900


def test_an_eu_consumer_pays_its_own_countrys_rate(business):
    profile(business, country="FR")
    assert tax_for(business=business).rate == Decimal(20)
    assert gross_for(business=business, net_minor=4900) == 5880


def test_a_wrong_vat_id_is_no_reverse_charge(business):
    profile(business, country="IT", vat_id="IT00000000001")
    decision = tax_for(business=business)
    assert (decision.rate, decision.reverse_charge) == (Decimal(22), False)


def test_outside_the_eu_no_vat_is_charged(business):
    profile(business, country="TR", vat_id="1234567890")
    decision = tax_for(business=business)
    assert (decision.rate, decision.reverse_charge, decision.note) == (0, False, "")


def test_the_reverse_charge_note_is_in_the_active_language(business):
    from django.utils import translation

    profile(business, country="AT", vat_id="ATU13585627")
    with translation.override("de"):
        assert tax_for(business=business).note  # translated when the catalogue has it


def test_rounding_is_half_up_to_the_minor_unit(business):
    tax_rate_set(country="DE", rate="19", actor=_staff())
    # 50 × 19 % = 9.5 → 10; 150 × 19 % = 28.5 → 29 (banker's rounding would give 28)
    assert gross_for(business=business, net_minor=50) == 60
    assert gross_for(business=business, net_minor=150) == 179


def test_vat_ids_are_normalized_and_must_match_the_country():
    assert vat_id_normalize("de 136 695 976", country="DE") == "DE136695976"
    assert vat_id_normalize("136695976", country="DE") == "DE136695976"
    assert vat_id_normalize("EL094259216", country="GR") == "EL094259216"
    for wrong, country in (("DE123456789", "DE"), ("FR40303265045", "DE"), ("", "DE")):
        with pytest.raises(ValidationFailed):
            vat_id_normalize(wrong, country=country)


def test_staff_set_rates_others_may_not(business, owner):
    row = tax_rate_set(country="at", rate="10", actor=_staff())
    assert (row.country, row.rate) == ("AT", Decimal("10.00"))
    with pytest.raises(PermissionDenied):
        tax_rate_set(country="AT", rate="20", actor=owner)
    for country, rate in (("A", "10"), ("AT", "100"), ("AT", "-1"), ("AT", "x")):
        with pytest.raises(ValidationFailed):
            tax_rate_set(country=country, rate=rate, actor=_staff())


def _staff():
    from kazan.tenancy.tests.factories import UserFactory

    return UserFactory(is_staff=True)

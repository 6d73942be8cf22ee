"""Phone and email normalization: every way people type a number ends up as one E.164 string."""

import pytest

from kazan.core.errors import ValidationFailed
from kazan.core.masking import phone_mask
from kazan.customers.emails import email_index_for, email_normalize
from kazan.customers.phones import phone_index_for, phone_normalize


@pytest.mark.parametrize(
    "raw",
    [
        "0151 12345678",
        "015112345678",
        "(0151) 1234-5678",
        "+49 151 12345678",
        "+4915112345678",
        "0049 151 12345678",
        "  0151/12345678  ",
    ],
)
def test_national_and_international_formats_give_the_same_e164(raw):
    assert phone_normalize(raw, region="DE") == "+4915112345678"


def test_the_region_decides_how_a_national_number_is_read():
    # Given the same national digits, when read for Germany and for Turkey
    # then each country's number comes out.
    assert phone_normalize("0532 123 45 67", region="TR") == "+905321234567"
    assert phone_normalize("030 1234567", region="DE") == "+49301234567"
    assert phone_normalize("06 12345678", region="nl") == "+31612345678"


def test_an_international_number_ignores_the_region():
    assert phone_normalize("+90 532 123 45 67", region="DE") == "+905321234567"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12",
        "abc",
        "+49 123",
        "0151 1234",
        "+999 1234567",
        "1" * 41,
        "0151 12345678 x",
        "0151 12345678 ext 5",
    ],
)
def test_invalid_numbers_are_refused_with_a_message(raw):
    with pytest.raises(ValidationFailed) as caught:
        phone_normalize(raw, region="DE")
    assert caught.value.code == "invalid_phone"
    assert str(caught.value.message)


def test_a_national_number_without_a_usable_region_is_refused():
    with pytest.raises(ValidationFailed):
        phone_normalize("0151 12345678", region="")


def test_phone_index_is_equal_for_equal_numbers_only():
    assert phone_index_for("+4915112345678") == phone_index_for(
        phone_normalize("0151 12345678", region="DE")
    )
    assert phone_index_for("+4915112345678") != phone_index_for("+4915112345679")
    assert "4915112345678" not in phone_index_for("+4915112345678")


def test_phone_mask_hides_the_middle():
    assert phone_mask("+4915112345678") == "+49••••678"
    assert phone_mask("") == ""


def test_email_is_trimmed_and_lower_cased_and_validated():
    assert email_normalize("  Anna.Schmidt@Example.COM ") == "anna.schmidt@example.com"
    assert email_normalize("") == ""
    assert email_index_for("anna@example.com") == email_index_for(
        email_normalize("ANNA@example.com")
    )
    for bad in ["anna", "anna@", "@example.com", "anna@exa mple.com", "a" * 250 + "@x.de"]:
        with pytest.raises(ValidationFailed) as caught:
            email_normalize(bad)
        assert caught.value.code == "invalid_email"

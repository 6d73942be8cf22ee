"""customer_get_or_create_by_contact (a form's email and/or phone) and
consent_wording_for_text (the ledger's row for a business's own consent text)."""

import pytest

from kazan.core.errors import ValidationFailed
from kazan.customers.models import ConsentWording, Customer
from kazan.customers.services import consent_wording_for_text, customer_get_or_create_by_contact
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"


def _get(business, **contact):
    return customer_get_or_create_by_contact(business=business, channel="web", **contact)


def test_an_email_alone_creates_one_customer_and_finds_it_again(business):
    made, created = _get(business, email="Anna@Example.com", name="Anna", language="de-AT")
    assert created and (made.email, made.name, made.language) == ("anna@example.com", "Anna", "de")
    assert made.phone_index is None
    again, created = _get(business, email="anna@example.com")
    assert again == made and not created


def test_the_phone_wins_and_a_free_email_is_added(business):
    known = CustomerFactory(business=business, phone_e164=PHONE, email="", name="")
    found, created = _get(business, phone="0151 12345678", email="new@example.com", name="Eve")
    assert found == known and not created
    known.refresh_from_db()
    assert (known.email, known.name) == ("new@example.com", "Eve")


def test_an_email_of_another_customer_is_not_moved(business):
    CustomerFactory(business=business, email="taken@example.com")
    by_phone = CustomerFactory(business=business, phone_e164=PHONE, email="")
    found, _created = _get(business, phone=PHONE, email="taken@example.com")
    assert found == by_phone
    by_phone.refresh_from_db()
    assert by_phone.email == ""


def test_found_by_email_gets_the_phone(business):
    known = CustomerFactory(
        business=business, phone_e164="", phone_index=None, email="a@example.com"
    )
    found, created = _get(business, phone=PHONE, email="a@example.com")
    assert found == known and not created
    known.refresh_from_db()
    assert known.phone_e164 == PHONE
    assert Customer.objects.filter(business=business).count() == 1


def test_neither_or_a_bad_contact_is_refused(business):
    for contact in ({}, {"email": "nope"}, {"phone": "12"}):
        with pytest.raises(ValidationFailed):
            _get(business, **contact)
    assert not Customer.objects.exists()


def test_a_consent_text_is_one_wording_row_per_text_and_language(db):
    first = consent_wording_for_text(purpose="email_marketing", language="de", text=" Ja. ")
    assert first == consent_wording_for_text(purpose="email_marketing", language="de", text="Ja.")
    assert first.text == "Ja." and first.version.startswith("t-")
    other = consent_wording_for_text(purpose="email_marketing", language="de", text="Ja!")
    assert other != first
    assert ConsentWording.objects.filter(version__startswith="t-").count() == 2
    for bad in ({"text": ""}, {"language": "xx", "text": "a"}, {"purpose": "nope", "text": "a"}):
        with pytest.raises(ValidationFailed):
            consent_wording_for_text(**{"purpose": "email_marketing", "language": "de", **bad})

"""Customer profiles (seed 004 §3.1): each field's validator accepts the real thing and refuses
the rest with a clear message; the services create, change and delete profiles with the data
encrypted and no values in the activity log; GDPR exports and erases them; the customer page
shows them read-only."""

import datetime as dt

import pytest
from django.db import connection
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.core.errors import NotFound, ValidationFailed
from kazan.core.testing import run_in_threads
from kazan.customers import profile_fields as pf
from kazan.customers.models import Customer, CustomerProfile
from kazan.customers.queries import customer_profiles, profile_data, profile_get
from kazan.customers.services import (
    PROFILES_MAX,
    customer_erase,
    customer_export,
    customer_for_identity,
    profile_create,
    profile_delete,
    profile_update,
)

PROFILE = {
    "first_name": "Anna",
    "middle_name": "Maria",
    "last_name": "Smith",
    "phone_e164": "(212) 555-0123",
    "email": "Anna@Example.com",
    "gender": "female",
    "date_of_birth": "04/25/1990",
    "street": "350 Fifth Avenue",
    "apartment": "5B",
    "city": "New York",
    "state": "New York",
    "postal_code": "10001-2345",
    "country": "USA",
    "telegram_username": "@anna_ny",
    "instagram_username": "Anna.NY",
    "password": "s3cret-Passw0rd",
}


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        ("first_name", "  Jean-Luc ", "Jean-Luc"),
        ("last_name", "O’Brien", "O’Brien"),
        ("phone_e164", "+44 7911 123456", "+447911123456"),
        ("email", " A@B.COM ", "a@b.com"),
        ("gender", "Undisclosed", "undisclosed"),
        ("date_of_birth", "25.04.1990", "1990-04-25"),
        ("state", "dc", "DC"),
        ("state", "district of columbia", "DC"),
        ("country", "United States", "US"),
        ("country", "de", "DE"),
        ("telegram_username", "@Good_Name5", "Good_Name5"),
        ("instagram_username", "@my.name_1", "my.name_1"),
    ],
)
def test_a_field_validator_returns_the_canonical_value(field, raw, stored):
    assert pf.field_validate(field, raw, region="US") == stored


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("first_name", "", "Please enter a name."),
        ("first_name", "R2-D2", "only letters"),
        ("phone_e164", "555", "not a valid phone number"),
        ("email", "anna@", "not a valid email"),
        ("gender", "robot", "choose one of the options"),
        ("date_of_birth", "2999-01-01", "must be in the past"),
        ("date_of_birth", "1800-01-01", "check the year"),
        ("date_of_birth", "31/31/1990", "like 1990-04-25"),
        ("street", "!!", "street and house number"),
        ("city", "10001", "name of the city"),
        ("state", "Bavaria", "US state"),
        ("postal_code", "1234", "5 digits"),
        ("postal_code", "00000", "does not exist"),
        ("country", "Atlantis", "enter a country"),
        ("telegram_username", "abc", "5 to 32"),
        ("telegram_username", "1abcde", "5 to 32"),
        ("telegram_username", "abc__def", "5 to 32"),
        ("telegram_username", "abcdef_", "5 to 32"),
        ("instagram_username", ".anna", "up to 30"),
        ("instagram_username", "an..na", "up to 30"),
        ("instagram_username", "a" * 31, "up to 30"),
        ("password", "short", "8 to 128"),
        ("password", " padded-password ", "8 to 128"),
    ],
)
def test_a_field_validator_refuses_with_a_clear_message(field, raw, message):
    with pytest.raises(ValidationFailed) as refused:
        pf.field_validate(field, raw, region="US")
    assert message in str(refused.value.message)


def test_a_zip_code_must_lie_in_its_state():
    assert pf.postal_code_validate("90210", state="CA") == "90210"
    with pytest.raises(ValidationFailed, match="not in New York"):
        pf.postal_code_validate("90210", state="NY")


def test_a_person_must_be_old_enough():
    today = dt.date(2026, 12, 5)
    assert pf.date_of_birth_validate("2010-12-05", today=today) == "2010-12-05"
    with pytest.raises(ValidationFailed, match="at least 16"):
        pf.date_of_birth_validate("2010-12-06", today=today)


def test_the_states_are_the_fifty_and_dc():
    assert len(pf.US_STATES) == 51 and "DC" in pf.US_STATES and "PR" not in pf.US_STATES


def test_a_generated_password_is_strong_and_random():
    first, second = pf.password_generate(), pf.password_generate()
    assert first != second and len(first) == pf.GENERATED_PASSWORD_LENGTH
    assert pf.password_validate(first) == first
    assert any(c.isupper() for c in first) and any(c.isdigit() for c in first)


@pytest.mark.django_db
def test_profiles_are_created_encrypted_and_logged_without_values(business, customer):
    profile = profile_create(business=business, customer=customer, data=PROFILE)
    assert profile_data(profile) == {
        **profile_data(profile),
        "phone_e164": "+12125550123",
        "email": "anna@example.com",
        "date_of_birth": "1990-04-25",
        "state": "NY",
        "postal_code": "10001-2345",
        "country": "US",
        "telegram_username": "anna_ny",
        "instagram_username": "anna.ny",
    }
    with connection.cursor() as cursor:
        cursor.execute("SELECT email, address, password FROM customers_customerprofile")
        stored = " ".join(cursor.fetchone())
    assert "anna" not in stored.lower() and "Fifth" not in stored and "s3cret" not in stored
    entry = Activity.objects.get(action="customer.profile_created")
    assert entry.data == {"profile": profile.pk, "channel": "telegram"}


@pytest.mark.django_db
def test_every_bad_field_is_named(business, customer):
    with pytest.raises(pf.ProfileInvalid) as refused:
        profile_create(
            business=business,
            customer=customer,
            data={**PROFILE, "email": "x", "postal_code": "90210", "last_name": ""},
        )
    assert set(refused.value.errors) == {"email", "postal_code", "last_name"}
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_an_address_outside_the_us_needs_no_us_state(business, customer):
    data = {**PROFILE, "country": "DE", "state": "Bayern", "postal_code": "80331"}
    profile = profile_create(business=business, customer=customer, data=data)
    assert profile_data(profile)["state"] == "Bayern"


@pytest.mark.django_db
def test_update_changes_only_the_named_fields_and_checks_the_whole(business, customer, owner):
    profile = profile_create(business=business, customer=customer, data=PROFILE)
    with pytest.raises(ValidationFailed):
        profile_update(business=business, profile=profile, data={"state": "CA"}, actor=owner)
    profile = profile_update(
        business=business,
        profile=profile,
        data={"state": "CA", "postal_code": "90210", "email": "new@example.com"},
        actor=owner,
    )
    assert profile_data(profile)["city"] == "New York"
    assert profile_data(profile_get(business=business, pk=profile.pk))["email"] == "new@example.com"
    entry = Activity.objects.get(action="customer.profile_updated")
    assert sorted(entry.data["fields"]) == ["email", "postal_code", "state"]
    with pytest.raises(ValidationFailed):
        profile_update(business=business, profile=profile, data={"shoe_size": "9"}, actor=owner)


@pytest.mark.django_db
def test_profiles_are_scoped_to_the_business(business, other_business, customer, owner):
    profile = profile_create(business=business, customer=customer, data=PROFILE)
    with pytest.raises(NotFound):
        profile_get(business=other_business, pk=profile.pk)
    with pytest.raises(NotFound):
        profile_get(business=business, pk="1 OR 1=1")
    with pytest.raises(NotFound):
        profile_delete(business=other_business, profile=profile, actor=owner)
    profile_delete(business=business, profile=profile, actor=owner)
    assert customer_profiles(business=business, customer=customer) == []


@pytest.mark.django_db
def test_a_customer_has_a_bounded_number_of_profiles(business, customer, monkeypatch):
    monkeypatch.setattr("kazan.customers.services.profiles.PROFILES_MAX", 2)
    for _i in range(2):
        profile_create(business=business, customer=customer, data=PROFILE)
    with pytest.raises(ValidationFailed, match="at most 2"):
        profile_create(business=business, customer=customer, data=PROFILE)
    assert PROFILES_MAX == 20


@pytest.mark.django_db
def test_gdpr_exports_and_erases_the_profiles(business, customer, owner):
    profile_create(business=business, customer=customer, data=PROFILE)
    exported = customer_export(business=business, customer=customer, actor=owner)
    [profile] = exported["customer_profiles"]
    assert profile["email"] == "anna@example.com" and profile["password"] == "s3cret-Passw0rd"
    customer_erase(business=business, customer=customer, actor=owner)
    assert not CustomerProfile.objects.exists()


@pytest.mark.django_db
def test_the_customer_page_shows_the_profiles_read_only(owner_client, business, customer):
    profile_create(business=business, customer=customer, data=PROFILE)
    html = owner_client.get(reverse("customers:detail", args=[customer.pk])).content.decode()
    assert "Customer profiles" in html and "Anna Maria Smith" in html
    assert "+12••••123" in html and "+12125550123" not in html  # masked like the customer's
    assert "a•••@example.com" in html
    assert "s3cret" not in html and "@anna_ny" in html


@pytest.mark.django_db
def test_a_channel_user_becomes_one_customer_on_first_contact(business):
    first = customer_for_identity(
        business=business, channel="telegram", external_id="4242", name="Ada", language="de"
    )
    again = customer_for_identity(business=business, channel="telegram", external_id="4242")
    assert first.pk == again.pk and (first.name, first.language) == ("Ada", "de")
    assert first.phone_e164 == "" and first.email == ""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_first_messages_at_once_make_one_customer(business):
    results = run_in_threads(
        4,
        lambda: customer_for_identity(business=business, channel="telegram", external_id="777001"),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    found = [customer.pk for customer in results]
    assert len(set(found)) == 1 and len(found) == 4
    assert Customer.objects.filter(business=business).count() == 1


@pytest.mark.parametrize("raw", ["１０００１", "١٠٠٠١", "10001-１２３４"])
def test_a_zip_code_in_other_digits_is_refused_clearly(raw):
    with pytest.raises(ValidationFailed, match="5 digits"):
        pf.postal_code_validate(raw)


def test_a_birth_date_in_other_digits_is_refused_clearly():
    with pytest.raises(ValidationFailed, match="year-month-day"):
        pf.date_of_birth_validate("١٩٩٠-٠٤-٢٥", today=dt.date(2026, 12, 5))

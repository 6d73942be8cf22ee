"""Customer services: one customer per business and phone, profile edits, channel identities."""

import pytest
from django.db import connection

from kazan.activity.models import Activity
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.core.testing import run_in_threads
from kazan.customers import services
from kazan.customers.models import ChannelIdentity, Customer, Tag
from kazan.customers.phones import phone_index_for
from kazan.customers.queries import customer_by_identity, customer_find_by_phone
from kazan.customers.services import customers as customers_services
from kazan.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

PHONE = "+4915112345678"


def test_first_contact_creates_the_customer_and_records_activity(business):
    customer, created = services.customer_get_or_create_by_phone(
        business=business,
        phone="0151 12345678",
        name=" Anna  Schmidt ",
        language="de-DE",
        channel="web",
    )
    assert created
    customer.refresh_from_db()
    assert customer.phone_e164 == PHONE
    assert customer.phone_index == phone_index_for(PHONE)
    assert customer.name == "Anna Schmidt"
    assert customer.language == "de"
    assert customer.first_interaction_at is not None
    assert customer.first_interaction_at == customer.last_interaction_at
    entry = Activity.objects.get(business=business, action="customer.created")
    assert entry.target_id == str(customer.pk)
    assert entry.actor_kind == "customer"
    assert entry.data == {"channel": "web"}


def test_the_same_phone_in_another_format_finds_the_same_customer(business):
    first, _ = services.customer_get_or_create_by_phone(
        business=business, phone=PHONE, name="Anna", channel="web"
    )
    again, created = services.customer_get_or_create_by_phone(
        business=business,
        phone="0049 151 1234 5678",
        name="Someone Else",
        language="tr",
        channel="sms",
    )
    assert not created
    assert again.pk == first.pk
    again.refresh_from_db()
    # A known name is not overwritten by whoever types the number; a blank language is filled.
    assert again.name == "Anna"
    assert again.language == "tr"
    assert again.last_interaction_at > first.last_interaction_at
    assert Customer.objects.filter(business=business).count() == 1
    assert Activity.objects.filter(action="customer.created").count() == 1


def test_the_same_phone_in_two_businesses_is_two_customers(business, other_business):
    a, created_a = services.customer_get_or_create_by_phone(
        business=business, phone=PHONE, channel="web"
    )
    b, created_b = services.customer_get_or_create_by_phone(
        business=other_business, phone=PHONE, channel="web"
    )
    assert created_a and created_b
    assert a.pk != b.pk
    assert a.phone_index == b.phone_index  # the index is global; the constraint is per business
    assert customer_find_by_phone(business=business, phone=PHONE).pk == a.pk
    assert customer_find_by_phone(business=other_business, phone=PHONE).pk == b.pk


def test_a_lost_creation_race_returns_the_winner(business, monkeypatch):
    # Given another request inserts the same phone between our look-up and our insert
    winner = CustomerFactory.build(business=business, phone_e164=PHONE, name="Winner")
    real_find = customers_services._find_by_phone_index
    calls = []

    def find_missing_the_concurrent_insert(business_, index):
        calls.append(index)
        if len(calls) == 1:
            winner.save()
            return None  # our look-up ran before the other insert committed
        return real_find(business_, index)

    monkeypatch.setattr(
        customers_services, "_find_by_phone_index", find_missing_the_concurrent_insert
    )
    # When we try to create the customer
    customer, created = services.customer_get_or_create_by_phone(
        business=business, phone=PHONE, name="Loser", channel="web"
    )
    # Then the unique constraint stops a duplicate and we get the winner, in a usable transaction
    assert not created
    assert customer.pk == winner.pk
    assert Customer.objects.filter(business=business).count() == 1
    assert not Activity.objects.filter(action="customer.created").exists()


def test_the_database_refuses_a_second_customer_with_the_same_phone(business):
    from django.db import IntegrityError, transaction

    CustomerFactory(business=business, phone_e164=PHONE)
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerFactory(business=business, phone_e164=PHONE)


def test_an_invalid_phone_creates_nothing(business):
    with pytest.raises(ValidationFailed):
        services.customer_get_or_create_by_phone(business=business, phone="12345", channel="web")
    assert not Customer.objects.exists()


def test_an_unknown_browser_language_does_not_stop_registration(business):
    customer, _ = services.customer_get_or_create_by_phone(
        business=business, phone=PHONE, language="fr-FR", channel="web"
    )
    assert customer.language == ""


def test_touch_moves_the_last_interaction(business, customer):
    before = customer.last_interaction_at
    services.customer_touch(business=business, customer=customer)
    customer.refresh_from_db()
    assert customer.last_interaction_at > before


def test_touch_of_another_business_customer_is_not_found(business, other_customer):
    before = other_customer.last_interaction_at
    with pytest.raises(NotFound):
        services.customer_touch(business=business, customer=other_customer)
    other_customer.refresh_from_db()
    assert other_customer.last_interaction_at == before


def test_update_changes_profile_tags_and_email(business, owner, customer):
    Tag.objects.create(business=business, name="VIP")
    services.customer_update(
        business=business,
        customer=customer,
        actor=owner,
        name="Anna S.",
        language="it",
        tags=["vip", "Regular", " regular "],
        email=" Anna.S@Example.com ",
    )
    customer.refresh_from_db()
    assert customer.name == "Anna S."
    assert customer.language == "it"
    assert customer.email == "anna.s@example.com"
    assert sorted(customer.tags.values_list("name", flat=True)) == ["Regular", "VIP"]
    assert Tag.objects.filter(business=business).count() == 2  # "vip" reused "VIP"
    entry = Activity.objects.get(action="customer.updated")
    assert entry.actor == owner
    assert entry.data == {"fields": ["email", "language", "name", "tags"]}
    assert "anna" not in str(entry.data).lower()


def test_update_refuses_an_email_another_customer_has(business, owner, customer):
    other = CustomerFactory(business=business, name="Other")
    with pytest.raises(ValidationFailed) as caught:
        services.customer_update(
            business=business,
            customer=other,
            actor=owner,
            name="Other",
            language="",
            tags=[],
            email="ANNA@example.com",
        )
    assert caught.value.code == "duplicate_email"
    other.refresh_from_db()
    assert other.email == ""


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "not-an-email", "invalid_email"),
        ("language", "xx", "invalid_language"),
        ("name", "x" * 121, "invalid_name"),
        ("tags", ["x" * 41], "invalid_tag"),
    ],
)
def test_update_refuses_bad_input_and_changes_nothing(
    business, owner, customer, field, value, code
):
    fields = {"name": "New", "language": "en", "tags": ["new"], "email": ""} | {field: value}
    with pytest.raises(ValidationFailed) as caught:
        services.customer_update(business=business, customer=customer, actor=owner, **fields)
    assert caught.value.code == code
    customer.refresh_from_db()
    assert customer.name == "Anna Schmidt"
    assert not Tag.objects.exists()


def test_update_of_another_business_customer_is_not_found(business, owner, other_customer):
    with pytest.raises(NotFound):
        services.customer_update(
            business=business,
            customer=other_customer,
            actor=owner,
            name="Hacked",
            language="",
            tags=[],
            email="",
        )
    other_customer.refresh_from_db()
    assert other_customer.name == "Bruno Other"


def test_identity_attach_is_idempotent_and_found_by_channel_and_id(business, customer):
    first = services.identity_attach(
        business=business, customer=customer, channel="telegram", external_id="123456789"
    )
    again = services.identity_attach(
        business=business, customer=customer, channel="telegram", external_id=" 123456789 "
    )
    assert first.pk == again.pk
    assert (
        customer_by_identity(business=business, channel="telegram", external_id="123456789")
        == customer
    )
    # The same id on another channel is another account.
    assert (
        customer_by_identity(business=business, channel="whatsapp", external_id="123456789") is None
    )
    assert Activity.objects.filter(action="customer.identity_attached").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT external_id FROM customers_channelidentity")
        assert "123456789" not in cursor.fetchone()[0]


def test_an_identity_of_another_customer_is_a_conflict(business, customer):
    other = CustomerFactory(business=business)
    services.identity_attach(business=business, customer=other, channel="web", external_id="v-1")
    with pytest.raises(Conflict):
        services.identity_attach(
            business=business, customer=customer, channel="web", external_id="v-1"
        )
    assert ChannelIdentity.objects.get().customer == other


def test_a_handle_seen_before_the_person_was_known_becomes_theirs(business, customer):
    """Given an SMS number that wrote before registering (an identity without a customer), when
    the person registers, then the identity is linked to them, once, and recorded."""
    seen = services.identity_touch(business=business, channel="sms", external_id="+4915100000009")
    assert seen.customer is None and seen.last_seen_at is not None
    assert (
        services.identity_touch(business=business, channel="sms", external_id="+4915100000009").pk
        == seen.pk
    )
    linked = services.identity_attach(
        business=business, customer=customer, channel="sms", external_id="+4915100000009"
    )
    assert linked.pk == seen.pk and ChannelIdentity.objects.get().customer == customer
    assert Activity.objects.filter(action="customer.identity_attached").count() == 1
    with pytest.raises(Conflict):
        services.identity_attach(
            business=business,
            customer=CustomerFactory(business=business),
            channel="sms",
            external_id="+4915100000009",
        )


def test_identities_are_separate_per_business(business, other_business, customer, other_customer):
    services.identity_attach(business=business, customer=customer, channel="web", external_id="v-1")
    services.identity_attach(
        business=other_business, customer=other_customer, channel="web", external_id="v-1"
    )
    assert customer_by_identity(business=business, channel="web", external_id="v-1") == customer
    assert (
        customer_by_identity(business=other_business, channel="web", external_id="v-1")
        == other_customer
    )
    with pytest.raises(NotFound):
        services.identity_attach(
            business=business, customer=other_customer, channel="web", external_id="v-2"
        )


def test_identity_attach_refuses_an_unknown_channel(business, customer):
    with pytest.raises(ValidationFailed):
        services.identity_attach(
            business=business, customer=customer, channel="fax", external_id="1"
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_contacts_make_one_customer(business):
    """8 threads register the same phone at the same moment: one creates, all get that one."""
    threads = 8

    def register() -> tuple[int, bool]:
        customer, created = services.customer_get_or_create_by_phone(
            business=business, phone=PHONE, channel="web"
        )
        return customer.pk, created

    results = run_in_threads(threads, register)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert len(results) == threads
    assert len({pk for pk, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert Customer.objects.filter(business=business).count() == 1
    assert Activity.objects.filter(action="customer.created").count() == 1


def test_nul_characters_from_any_channel_are_dropped_from_names_and_tags(business, owner):
    from kazan.customers.services import customer_get_or_create_by_phone, customer_update

    customer, _ = customer_get_or_create_by_phone(
        business=business, phone="+4915112340001", name="An\x00na", channel="web"
    )
    assert customer.name == "Anna"
    customer_update(
        business=business,
        customer=customer,
        actor=owner,
        name="Anna\x00",
        language="de",
        tags=["v\x00ip"],
        email="",
    )
    customer.refresh_from_db()
    assert customer.name == "Anna"
    assert list(customer.tags.values_list("name", flat=True)) == ["vip"]

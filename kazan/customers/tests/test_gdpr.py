"""Data-subject requests: the export holds everything (including other apps' sections), the erasure
removes every piece of personal data in one transaction and keeps an anonymous ledger."""

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from kazan.activity.models import Activity
from kazan.core import gdpr
from kazan.core.errors import Conflict, NotFound
from kazan.customers import services
from kazan.customers.models import ChannelIdentity, ConsentRecord, Customer, Tag
from kazan.customers.queries import (
    consent_is_granted,
    customer_find_by_phone,
    customer_list,
    customers_consenting,
)
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.loyalty.models import Review

pytestmark = pytest.mark.django_db
SMS = ConsentRecord.Purpose.SMS_MARKETING


@pytest.fixture
def notes_section(monkeypatch):
    """A stand-in for another app's data: notes kept per customer, registered like a real app."""
    store: dict[int, list[str]] = {}

    def export(business, customer):
        return {"notes": store.get(customer.pk, []), "business": business.slug}

    def erase(business, customer):
        store.pop(customer.pk, None)

    monkeypatch.setitem(gdpr._sections, "notes", gdpr.GdprSection("notes", export, erase))
    return store


@pytest.fixture
def rich_customer(business):
    """A customer with something in every place personal data can live."""
    customer = CustomerFactory(
        business=business, name="Anna Schmidt", email="anna@example.com", tags=["VIP"]
    )
    consent_given(customer, ip="203.0.113.7", user_agent="AnnaPhone/1.0")
    services.identity_attach(
        business=business, customer=customer, channel="telegram", external_id="987654321"
    )
    Review.objects.create(business=business, customer=customer, rating=5, comment="Lovely cake")
    return customer


def test_export_holds_everything(business, owner, rich_customer, notes_section):
    notes_section[rich_customer.pk] = ["likes oat milk"]
    data = services.customer_export(business=business, customer=rich_customer, actor=owner)

    profile = data["profile"]
    assert profile["name"] == "Anna Schmidt"
    assert profile["phone"] == rich_customer.phone_e164
    assert profile["email"] == "anna@example.com"
    assert profile["tags"] == ["VIP"]
    [identity] = data["identities"]
    assert (identity["channel"], identity["external_id"]) == ("telegram", "987654321")
    [consent] = data["consents"]
    assert consent["granted"] is True
    assert consent["ip_address"] == "203.0.113.7"
    assert consent["user_agent"] == "AnnaPhone/1.0"
    assert consent["wording"]["version"] == "2026-11-v1"
    assert consent["wording"]["text"].startswith("Ja, ich möchte")  # the customer's language
    assert data["notes"] == {"notes": ["likes oat milk"], "business": business.slug}
    assert data["reviews"][0]["comment"] == "Lovely cake"  # the loyalty app's real section
    json.dumps(data, cls=DjangoJSONEncoder)  # ready to download

    entry = Activity.objects.get(action="customer.exported")
    assert entry.actor == owner
    assert "notes" in entry.data["sections"]
    assert "anna" not in json.dumps(entry.data).lower()


def test_export_of_another_business_customer_is_not_found(business, owner, other_customer):
    with pytest.raises(NotFound):
        services.customer_export(business=business, customer=other_customer, actor=owner)
    assert not Activity.objects.filter(action="customer.exported").exists()


def test_a_section_may_not_shadow_the_profile():
    with pytest.raises(ValueError):
        gdpr.gdpr_section_register(gdpr.GdprSection("profile", lambda b, c: {}, lambda b, c: None))


def test_erase_removes_personal_data_and_keeps_an_anonymous_ledger(
    business, owner, rich_customer, notes_section
):
    notes_section[rich_customer.pk] = ["likes oat milk"]
    phone = rich_customer.phone_e164
    services.customer_erase(business=business, customer=rich_customer, actor=owner)

    customer = Customer.objects.get(pk=rich_customer.pk)
    assert customer.erased_at is not None
    assert (customer.name, customer.phone_e164, customer.email) == ("", "", "")
    assert customer.phone_index is None and customer.email_index is None
    assert not customer.tags.exists()
    assert Tag.objects.filter(business=business, name="VIP").exists()  # the tag itself stays
    assert not ChannelIdentity.objects.filter(customer=customer).exists()
    assert rich_customer.pk not in notes_section  # other apps' sections ran
    review = Review.objects.get()
    assert review.customer is None and review.comment == ""

    # The ledger stays as evidence, without IPs or user agents, and shows the withdrawal.
    records = list(ConsentRecord.objects.filter(customer=customer).order_by("occurred_at", "id"))
    assert [(r.granted, r.channel) for r in records] == [(True, "web"), (False, "erasure")]
    assert all(r.ip_address == "" and r.user_agent == "" for r in records)
    assert records[0].wording is not None
    assert not consent_is_granted(business=business, customer=customer, purpose=SMS)

    # Nothing of the person is left in the database, not even encrypted.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, phone_e164, email, phone_index, email_index FROM customers_customer "
            "WHERE id = %s",
            [customer.pk],
        )
        assert cursor.fetchone() == ("", "", "", None, None)
        cursor.execute(
            "SELECT ip_address, user_agent FROM customers_consentrecord WHERE customer_id = %s",
            [customer.pk],
        )
        assert set(cursor.fetchall()) == {("", "")}

    # The erased customer is gone from every list, and the phone can start afresh.
    assert not customer_list(business=business).filter(pk=customer.pk).exists()
    assert not customers_consenting(business=business, purpose=SMS).filter(pk=customer.pk).exists()
    assert customer_find_by_phone(business=business, phone=phone) is None
    fresh, created = services.customer_get_or_create_by_phone(
        business=business, phone=phone, channel="web"
    )
    assert created and fresh.pk != customer.pk

    entry = Activity.objects.get(action="customer.erased")
    assert entry.actor == owner
    assert entry.data["consents_withdrawn"] == [SMS]
    assert {"notes", "reviews"} <= set(entry.data["sections"])
    assert Activity.objects.filter(action="consent.withdrawn", data__channel="erasure").exists()


def test_erasing_twice_is_a_conflict(business, owner, rich_customer):
    services.customer_erase(business=business, customer=rich_customer, actor=owner)
    with pytest.raises(Conflict):
        services.customer_erase(business=business, customer=rich_customer, actor=owner)
    # A stale object from before the erasure is refused too.
    stale = Customer.objects.get(pk=rich_customer.pk)
    stale.erased_at = None
    with pytest.raises(Conflict):
        services.customer_erase(business=business, customer=stale, actor=owner)
    assert Activity.objects.filter(action="customer.erased").count() == 1
    with pytest.raises(Conflict):
        services.customer_export(business=business, customer=rich_customer, actor=owner)


def test_a_failing_section_rolls_the_whole_erasure_back(
    business, owner, rich_customer, monkeypatch
):
    def broken_erase(business, customer):
        raise RuntimeError("section failed")

    monkeypatch.setitem(
        gdpr._sections, "broken", gdpr.GdprSection("broken", lambda b, c: None, broken_erase)
    )
    with pytest.raises(RuntimeError):
        services.customer_erase(business=business, customer=rich_customer, actor=owner)
    customer = Customer.objects.get(pk=rich_customer.pk)
    assert customer.erased_at is None and customer.name == "Anna Schmidt"
    assert consent_is_granted(business=business, customer=customer, purpose=SMS)
    assert ChannelIdentity.objects.filter(customer=customer).exists()
    assert not Activity.objects.filter(action="customer.erased").exists()


def test_erase_of_another_business_customer_is_not_found(business, owner, other_customer):
    with pytest.raises(NotFound):
        services.customer_erase(business=business, customer=other_customer, actor=owner)
    other_customer.refresh_from_db()
    assert other_customer.erased_at is None

"""Admin: staff see customers without their contact details and cannot rewrite the ledger."""

import pytest

from kazan.accounts.tests.staff import staff_sign_in
from kazan.customers.models import ConsentRecord, ConsentWording, Customer
from kazan.customers.tests.factories import consent_given

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    from kazan.tenancy.tests.factories import UserFactory

    staff_sign_in(client, UserFactory(is_staff=True, is_superuser=True))
    return client


def test_customer_list_has_no_plaintext_contacts_and_searches_by_name(admin_client, customer):
    response = admin_client.get("/admin/customers/customer/", {"q": "schmidt"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Anna Schmidt" in html
    assert customer.phone_masked in html
    assert customer.phone_e164 not in html and "anna@example.com" not in html
    change = admin_client.get(f"/admin/customers/customer/{customer.pk}/change/").content.decode()
    assert customer.phone_e164 not in change and "anna@example.com" not in change


def test_the_ledger_is_read_only_even_for_superusers(admin_client, customer):
    record = consent_given(customer)
    assert admin_client.get("/admin/customers/consentrecord/add/").status_code == 403
    view = admin_client.get(f"/admin/customers/consentrecord/{record.pk}/change/")
    assert view.status_code == 200  # viewable
    assert (
        admin_client.post(
            f"/admin/customers/consentrecord/{record.pk}/change/", {"granted": ""}
        ).status_code
        == 403
    )
    assert (
        admin_client.post(
            f"/admin/customers/consentrecord/{record.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert ConsentRecord.objects.filter(pk=record.pk).exists()


def test_wordings_can_be_added_but_not_changed_or_deleted(admin_client):
    wording = ConsentWording.objects.get(purpose="sms_marketing", language="en")
    assert admin_client.get("/admin/customers/consentwording/add/").status_code == 200
    admin_client.post(
        f"/admin/customers/consentwording/{wording.pk}/change/",
        {"purpose": "sms_marketing", "version": "2026-11-v1", "language": "en", "text": "Changed"},
    )
    wording.refresh_from_db()
    assert wording.text.startswith("Yes, I would like")
    assert (
        admin_client.post(
            f"/admin/customers/consentwording/{wording.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )


def test_customers_cannot_be_added_or_deleted_in_the_admin(admin_client, customer):
    assert admin_client.get("/admin/customers/customer/add/").status_code == 403
    assert (
        admin_client.post(
            f"/admin/customers/customer/{customer.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_customer_can_only_get_tags_of_its_own_business(admin_client, customer, other_business):
    from kazan.customers.models import Tag

    own = Tag.objects.create(business=customer.business, name="regular")
    foreign = Tag.objects.create(business=other_business, name="secret-b")
    url = f"/admin/customers/customer/{customer.pk}/change/"
    page = admin_client.get(url).content.decode()
    assert "regular" in page and "secret-b" not in page
    response = admin_client.post(
        url, {"name": customer.name, "language": customer.language, "tags": [foreign.pk]}
    )
    assert response.status_code == 200  # the form refuses the foreign tag
    assert list(customer.tags.all()) == []
    admin_client.post(url, {"name": customer.name, "language": customer.language, "tags": [own.pk]})
    assert list(customer.tags.all()) == [own]

"""The "my data" page: see, correct, download and erase one's personal data from a link."""

import json
import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.customers.addresses import customer_address
from kazan.customers.queries import consent_is_granted
from kazan.customers.services import customer_export
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.links.models import SecureLink
from kazan.links.services import secure_link_issue
from kazan.links.testing import link_path

pytestmark = pytest.mark.django_db

UPDATE = {
    "action": "update",
    "name": "Anna Weber",
    "email": "anna@example.com",
    "street": "Hauptstraße 1",
    "apartment": "",
    "city": "Berlin",
    "state": "",
    "postal_code": "10115",
    "country": "DE",
    "language": "de",
    "lang": "en",
}


@pytest.fixture
def customer(business):
    customer = CustomerFactory(business=business, language="en", name="Anna", email="a@example.com")
    consent_given(customer, purpose="sms_marketing")
    return customer


def _link(business, customer):
    return link_path(secure_link_issue(business=business, customer=customer, purpose="my_data"))


def test_the_page_shows_what_the_business_holds(client, business, customer):
    response = client.get(_link(business, customer))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Anna" in html and "a@example.com" in html and customer.phone_e164 in html
    assert "secure_links" in html  # the apps' sections, from the GDPR export registry
    assert response.headers["Cache-Control"] == "no-store"
    assert not re.findall(r"""(?:src|href|action)=["'](?:https?:)?//""", html)


def test_correcting_the_data(client, business, customer):
    path = _link(business, customer)
    response = client.post(path, UPDATE)
    assert response.status_code == 302 and response["Location"] == f"{path}?saved=1"
    customer.refresh_from_db()
    assert (customer.name, customer.email, customer.language) == (
        "Anna Weber",
        "anna@example.com",
        "de",
    )
    assert customer_address(customer)["city"] == "Berlin"
    activity = Activity.objects.get(action="customer.self_updated")
    assert activity.data["fields"] == ["address", "email", "language", "name"]
    assert "Berlin" not in json.dumps(activity.data)
    page = client.get(f"{path}?saved=1")
    assert page.status_code == 200 and 'id="saved"' in page.content.decode()
    assert SecureLink.objects.get().used_at is None  # correcting does not use the link up


def test_correction_errors_next_to_the_field(client, business, customer):
    response = client.post(_link(business, customer), UPDATE | {"email": "nope", "city": ""})
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_email_error"' in html and 'id="id_city_error"' in html
    customer.refresh_from_db()
    assert customer.name == "Anna"


def test_download_is_the_gdpr_export(client, business, customer):
    response = client.post(_link(business, customer), {"action": "download"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="my-data.json"'
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.content)
    assert data["profile"]["email"] == "a@example.com"
    assert data["secure_links"][0]["purpose"] == "my_data"
    assert not any("token" in key for key in data["secure_links"][0])


def test_erase_asks_to_confirm_then_erases_and_uses_the_link(client, business, customer):
    path = _link(business, customer)
    first = client.post(path, {"action": "erase"})
    assert first.status_code == 200 and 'id="erase-confirm"' in first.content.decode()
    unticked = client.post(path, {"action": "erase", "step": "confirm"})
    assert unticked.status_code == 422
    customer.refresh_from_db()
    assert customer.erased_at is None
    done = client.post(path, {"action": "erase", "step": "confirm", "confirm": "on"})
    assert done.status_code == 200 and 'id="erased"' in done.content.decode()
    assert "Anna" not in done.content.decode()
    customer.refresh_from_db()
    assert customer.erased_at is not None and customer.name == "" and customer.address == ""
    assert not consent_is_granted(business=business, customer=customer, purpose="sms_marketing")
    assert not SecureLink.objects.exists()  # the GDPR section deleted the links
    assert client.get(path).status_code == 404


def test_my_data_link_lasts_an_hour(client, business, customer):
    path = _link(business, customer)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert client.get(path).status_code == 410


def test_export_section_lists_links_without_tokens_and_tenant_crossing(
    business, other_business, customer
):
    url = secure_link_issue(business=business, customer=customer, purpose="registration")
    stranger = CustomerFactory(business=other_business)
    secure_link_issue(business=other_business, customer=stranger, purpose="my_data")
    data = customer_export(business=business, customer=customer, actor=None)
    assert [link["purpose"] for link in data["secure_links"]] == ["registration"]
    assert url.rsplit("/", 1)[-1] not in json.dumps(data)
    assert data["profile"]["registered_at"] is None


def test_a_page_cannot_be_reached_with_another_business_slug(
    client, business, other_business, customer
):
    path = _link(business, customer)
    response = client.post(path.replace(business.slug, other_business.slug), {"action": "download"})
    assert response.status_code == 404
    assert b"a@example.com" not in response.content


def test_names_and_other_apps_data_are_escaped(client, business, customer):
    customer.name = '<img src=x onerror="alert(1)">'
    customer.save(update_fields=["name"])
    html = client.get(_link(business, customer)).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "nonsense"},
        {"action": "update"},
        {"action": "update", "name": "x" * 5000, "email": "@" * 300, "country": "ZZZ"},
        {"action": "update", "language": "xx", "street": "\x00"},
        {"action": "erase", "confirm": "yes"},
    ],
)
def test_no_input_makes_the_page_fail(client, business, customer, data):
    response = client.post(_link(business, customer), data)
    assert response.status_code < 500
    customer.refresh_from_db()
    assert customer.erased_at is None

"""The customers API: the same rules as the pages — scoped, permissioned, masked, clear errors."""

import pytest

from kazan.activity.models import Activity
from kazan.customers.models import ConsentRecord, Customer
from kazan.customers.queries import consent_is_granted
from kazan.customers.tests.factories import CustomerFactory, consent_given

pytestmark = pytest.mark.django_db
API = "/api/v1/customers"
SMS = ConsentRecord.Purpose.SMS_MARKETING


def test_list_is_paginated_masked_and_searchable(owner_client, business, customer, other_customer):
    consent_given(customer)
    for _ in range(55):
        CustomerFactory(business=business, name="Filler")
    page1 = owner_client.get(f"{API}/").json()
    assert page1["count"] == 56
    assert len(page1["items"]) == 50
    page2 = owner_client.get(f"{API}/", {"page": 2}).json()
    assert len(page2["items"]) == 6
    found = owner_client.get(f"{API}/", {"q": "0" + customer.phone_e164[3:]}).json()
    assert found["count"] == 1
    [item] = found["items"]
    assert item["name"] == "Anna Schmidt"
    assert item["phone_masked"] == customer.phone_masked
    assert item["email_masked"] == "a•••@example.com"
    assert item["sms_consent"] is True
    body = owner_client.get(f"{API}/").content.decode()
    assert customer.phone_e164 not in body and "anna@example.com" not in body
    assert other_customer.name not in body


def test_list_filters(owner_client, business, customer):
    CustomerFactory(business=business, name="Tagged", tags=["VIP"])
    consent_given(customer)
    assert [
        c["name"] for c in owner_client.get(f"{API}/", {"consent": "true"}).json()["items"]
    ] == ["Anna Schmidt"]
    assert [c["name"] for c in owner_client.get(f"{API}/", {"tag": "vip"}).json()["items"]] == [
        "Tagged"
    ]
    assert owner_client.get(f"{API}/", {"tag": "nope"}).json() == {"items": [], "count": 0}
    bad = owner_client.get(f"{API}/", {"since": "yesterday"})
    assert bad.status_code == 422


def test_get_one(owner_client, business, customer):
    consent_given(customer)
    data = owner_client.get(f"{API}/{customer.pk}").json()
    assert data["id"] == customer.pk
    assert data["phone_masked"] == customer.phone_masked
    assert data["consents"][SMS] is True
    assert data["consents"]["whatsapp_marketing"] is False
    assert data["channels"] == []


def test_create_then_find_by_phone(owner_client, owner, business):
    created = owner_client.post(
        f"{API}/",
        {"phone": "0151 12345678", "name": "Anna", "language": "de"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["phone_masked"] == "+49••••678"
    found = owner_client.post(
        f"{API}/", {"phone": "+49 151 1234 5678"}, content_type="application/json"
    )
    assert found.status_code == 200
    assert found.json()["id"] == created.json()["id"]
    assert Customer.objects.filter(business=business).count() == 1
    entry = Activity.objects.get(action="customer.created")
    assert entry.actor == owner and entry.data == {"channel": "api"}


def test_create_with_consent_records_the_wording(owner_client, business):
    response = owner_client.post(
        f"{API}/",
        {
            "phone": "0151 12345678",
            "language": "it",
            "consent": {"wording_version": "2026-11-v1", "ip": "198.51.100.4"},
        },
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["sms_consent"] is True
    record = ConsentRecord.objects.get()
    assert (record.wording.version, record.wording.language) == ("2026-11-v1", "it")
    assert record.channel == "api" and record.ip_address == "198.51.100.4"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"phone": "12"}, "invalid_phone"),
        ({"phone": "0151 12345678", "consent": {"wording_version": "1999"}}, "invalid_wording"),
        (
            {"phone": "0151 12345678", "consent": {"wording_version": "2026-11-v1", "ip": "x"}},
            "invalid_ip",
        ),
        (
            {"phone": "0151 12345678", "consent": {"purpose": "all", "wording_version": "v"}},
            "invalid_purpose",
        ),
    ],
)
def test_create_with_bad_input_is_422_with_a_message(owner_client, payload, code):
    response = owner_client.post(f"{API}/", payload, content_type="application/json")
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert not Customer.objects.exists()
    assert not ConsentRecord.objects.exists()


def test_schema_errors_are_422(owner_client):
    for payload in [{}, {"phone": "0151 12345678", "colour": "red"}, {"phone": 5 * "1" * 20}]:
        response = owner_client.post(f"{API}/", payload, content_type="application/json")
        assert response.status_code == 422, payload
        assert response.json()["code"] == "invalid"
    garbage = owner_client.post(f"{API}/", "not json", content_type="application/json")
    assert 400 <= garbage.status_code < 500


def test_patch_changes_only_what_is_sent(owner_client, customer):
    response = owner_client.patch(
        f"{API}/{customer.pk}", {"tags": ["vip"], "language": "es"}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["tags"] == ["vip"]
    customer.refresh_from_db()
    assert (customer.name, customer.language, customer.email) == (
        "Anna Schmidt",
        "es",
        "anna@example.com",
    )
    bad = owner_client.patch(
        f"{API}/{customer.pk}", {"email": "not-mail"}, content_type="application/json"
    )
    assert bad.status_code == 422
    assert bad.json()["code"] == "invalid_email"


def test_export_and_erase(owner_client, business, customer):
    consent_given(customer)
    export = owner_client.post(f"{API}/{customer.pk}/export")
    assert export.status_code == 200
    assert export.json()["profile"]["phone"] == customer.phone_e164
    assert export.json()["consents"][0]["wording"]["version"] == "2026-11-v1"
    erased = owner_client.post(f"{API}/{customer.pk}/erase")
    assert erased.status_code == 200
    assert erased.json()["id"] == customer.pk and erased.json()["erased_at"]
    assert not consent_is_granted(business=business, customer=customer, purpose=SMS)
    again = owner_client.post(f"{API}/{customer.pk}/erase")
    assert again.status_code == 409
    assert again.json()["code"] == "erased"
    assert owner_client.get(f"{API}/{customer.pk}").status_code == 404
    assert owner_client.post(f"{API}/{customer.pk}/export").status_code == 404


ROUTES = [
    ("get", "/{id}", None),
    ("patch", "/{id}", {"name": "Hacked"}),
    ("post", "/{id}/export", None),
    ("post", "/{id}/erase", None),
]


@pytest.mark.parametrize(("method", "path", "payload"), ROUTES)
def test_another_business_customer_is_404_with_no_data(
    intruder_client, customer, method, path, payload
):
    consent_given(customer)
    response = getattr(intruder_client, method)(
        API + path.format(id=customer.pk), payload, content_type="application/json"
    )
    assert response.status_code == 404
    assert b"Anna" not in response.content
    customer.refresh_from_db()
    assert customer.name == "Anna Schmidt" and customer.erased_at is None
    assert not Activity.objects.filter(action__in=["customer.exported", "customer.erased"]).exists()


def test_creating_with_another_business_phone_makes_a_separate_customer(intruder_client, customer):
    response = intruder_client.post(
        f"{API}/", {"phone": customer.phone_e164}, content_type="application/json"
    )
    assert response.status_code == 201
    assert response.json()["id"] != customer.pk
    assert response.json()["name"] == ""


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [("post", "/", {"phone": "0151 12345678"}), *ROUTES[1:]],
)
def test_an_agent_may_not_change_export_or_erase(agent_client, customer, method, path, payload):
    response = getattr(agent_client, method)(
        API + path.format(id=customer.pk), payload, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    customer.refresh_from_db()
    assert customer.name == "Anna Schmidt" and customer.erased_at is None
    assert Customer.objects.count() == 1


def test_an_agent_may_read(agent_client, customer):
    assert agent_client.get(f"{API}/").status_code == 200
    assert agent_client.get(f"{API}/{customer.pk}").status_code == 200


def test_without_credentials_nothing_is_answered(client, customer):
    assert client.get(f"{API}/").status_code == 401
    assert client.get(f"{API}/{customer.pk}").status_code == 401
    assert client.post(f"{API}/{customer.pk}/erase").status_code == 401
    customer.refresh_from_db()
    assert customer.erased_at is None


def test_malformed_and_unknown_ids_are_404(owner_client):
    assert owner_client.get(f"{API}/abc").status_code == 404
    assert owner_client.get(f"{API}/99999999").status_code == 404


def test_an_api_key_acts_for_its_business_only(business, owner, customer, other_customer, client):
    from kazan.tenancy.services import api_key_create

    key = api_key_create(business=business, name="POS", actor=owner).secret
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get(f"{API}/{customer.pk}", headers=auth).status_code == 200
    assert client.get(f"{API}/{other_customer.pk}", headers=auth).status_code == 404
    response = client.patch(
        f"{API}/{customer.pk}", {"name": "Anna K."}, content_type="application/json", headers=auth
    )
    assert response.status_code == 200
    entry = Activity.objects.get(action="customer.updated")
    assert entry.actor is None and entry.actor_kind.startswith("api_key:")


def test_the_routes_are_documented(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = {path for path in schema["paths"] if path.startswith("/api/v1/customers")}
    assert paths == {
        "/api/v1/customers/",
        "/api/v1/customers/{customer_id}",
        "/api/v1/customers/{customer_id}/export",
        "/api/v1/customers/{customer_id}/erase",
    }

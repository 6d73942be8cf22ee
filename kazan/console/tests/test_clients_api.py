"""Platform staff create a client through the API (POST /api/v1/console/clients) exactly as the
console's onboarding page does: the business and its owner's invitation, emailed through the
mail task. Only staff who passed the second factor; business members, API keys and anonymous
callers are refused."""

import json

import pytest
from django.test import Client

from kazan.accounts.tests.staff import totp_turn_on
from kazan.activity.models import Activity
from kazan.channels.widget.queries import widget_settings_for
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Business, Invitation, Membership, Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import BusinessFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/console/clients"
BODY = {
    "name": "Neu Café",
    "slug": "neu-cafe",
    "owner_email": "New-Owner@Example.com",
    "language": "de",
    "country": "de",
    "timezone": "Europe/Vienna",
}


def _post(client, body, **extra):
    return client.post(URL, json.dumps(body), content_type="application/json", **extra)


def test_staff_create_a_client_and_its_owner_is_invited(
    staff_client, staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(staff_client, BODY)
    tasks_run_all(sweep=False)

    assert response.status_code == 201, response.content
    business = Business.objects.get(slug="neu-cafe")
    assert response.json() == {
        "id": business.pk,
        "slug": "neu-cafe",
        "client_id": business.client_id,
        "invitation_sent": True,
    }
    assert (business.name, business.language, business.country, business.timezone) == (
        "Neu Café",
        "de",
        "DE",
        "Europe/Vienna",
    )
    invitation = Invitation.objects.get(business=business)
    assert invitation.role == Role.OWNER and invitation.email == "new-owner@example.com"
    assert not Membership.objects.filter(business=business).exists()
    assert [message.to for message in mailoutbox] == [["new-owner@example.com"]]
    created = Activity.objects.get(business=business, action="business.created")
    assert created.actor == staff_user

    read = staff_client.get(f"{URL}/{business.pk}")
    assert read.status_code == 200
    assert read.json()["client_id"] == business.client_id
    assert read.json()["owners"] == 0 and read.json()["invitations_pending"] == 1
    assert read.json()["status"] == "active"


def test_an_existing_account_becomes_the_owner_at_once(staff_client, mailoutbox):
    known = UserFactory(email="known@example.com")
    response = _post(staff_client, {**BODY, "owner_email": "known@example.com"})
    assert response.status_code == 201
    assert response.json()["invitation_sent"] is False
    business = Business.objects.get(pk=response.json()["id"])
    assert Membership.objects.get(business=business).user == known
    assert staff_client.get(f"{URL}/{business.pk}").json()["owners"] == 1


def test_without_a_slug_the_address_is_made_from_the_name(staff_client):
    BusinessFactory(slug="cafe-lumiere")
    response = _post(
        staff_client, {**{k: v for k, v in BODY.items() if k != "slug"}, "name": "Café Lumière"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "cafe-lumiere-2"
    response = _post(
        staff_client, {**{k: v for k, v in BODY.items() if k != "slug"}, "name": "API"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["slug"] == "api-2"  # "api" is reserved


def test_a_taken_slug_is_409(staff_client, business):
    response = _post(staff_client, {**BODY, "slug": business.slug})
    assert response.status_code == 409
    assert response.json()["code"] == "slug_taken"
    assert Business.objects.filter(slug=business.slug).count() == 1


@pytest.mark.parametrize(
    "change",
    [
        {"name": ""},
        {"name": "   "},
        {"slug": "A B"},
        {"slug": "ab"},
        {"owner_email": "not-an-email"},
        {"language": "xx"},
        {"country": "XX"},
        {"timezone": "Mars/Olympus"},
        {"slug": "admin"},
        {"unknown": 1},
        {"owner_email": None},
    ],
)
def test_invalid_input_is_422(staff_client, change):
    response = _post(staff_client, {**BODY, **change})
    assert response.status_code == 422, response.content
    assert response.json()["code"] in {"invalid", "invalid_email"}
    assert not Business.objects.filter(name="Neu Café").exists()


def test_the_allowed_websites_are_stored_in_the_widget_settings(staff_client):
    origins = ["https://www.neu-cafe.example/", "HTTP://Shop.Neu-Cafe.example:8080"]
    response = _post(staff_client, {**BODY, "allowed_origins": origins})
    assert response.status_code == 201, response.content
    business = Business.objects.get(pk=response.json()["id"])
    widget = widget_settings_for(business=business)
    assert widget.allowed_origins == [
        "https://www.neu-cafe.example",
        "http://shop.neu-cafe.example:8080",
    ]
    assert not widget.enabled  # the owner switches the widget on


@pytest.mark.parametrize(
    "origins", [["https://www.neu-cafe.example/menu"], ["*"], ["ftp://neu-cafe.example"]]
)
def test_a_bad_website_address_is_422_and_creates_nothing(staff_client, mailoutbox, origins):
    response = _post(staff_client, {**BODY, "allowed_origins": origins})
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "widget_invalid"
    assert "is not a website address like https://www.example.com" in response.json()["message"]
    assert not Business.objects.filter(slug="neu-cafe").exists()
    assert not Invitation.objects.exists() and mailoutbox == []


def test_more_allowed_websites_than_the_widget_takes_is_422(staff_client):
    origins = [f"https://site{n}.example" for n in range(21)]
    response = _post(staff_client, {**BODY, "allowed_origins": origins})
    assert response.status_code == 422
    assert not Business.objects.filter(slug="neu-cafe").exists()


def test_a_business_member_is_403(client, business, owner):
    client.force_login(owner)
    response = _post(client, BODY)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert client.get(f"{URL}/{business.pk}").status_code == 403
    assert not Business.objects.filter(slug="neu-cafe").exists()


def test_a_staff_member_who_is_also_a_member_may(staff_client, staff_user, business):
    MembershipFactory(business=business, user=staff_user, role=Role.OWNER)
    assert _post(staff_client, BODY).status_code == 201


def test_an_api_key_is_not_staff(client, business, owner):
    key = api_key_create(business=business, name="Integration", actor=owner)
    response = _post(client, BODY, HTTP_AUTHORIZATION=f"Bearer {key.secret}")
    assert response.status_code == 401
    assert not Business.objects.filter(slug="neu-cafe").exists()


def test_anonymous_is_401(client, business):
    assert _post(client, BODY).status_code == 401
    assert client.get(f"{URL}/{business.pk}").status_code == 401


def test_staff_without_the_second_factor_are_refused(client, staff_user):
    client.force_login(staff_user)  # no TOTP set up
    assert _post(client, BODY).status_code == 403
    totp_turn_on(staff_user)
    client.force_login(staff_user)  # TOTP on, but this session never passed it
    assert _post(client, BODY).status_code == 401
    assert not Business.objects.filter(slug="neu-cafe").exists()


def test_a_staff_session_write_needs_the_csrf_token(staff_user):
    from kazan.accounts.tests.staff import staff_sign_in

    strict = Client(enforce_csrf_checks=True)
    staff_sign_in(strict, staff_user)
    response = _post(strict, BODY)
    assert response.status_code == 403 and response.json()["code"] == "csrf_failed"


def test_an_unknown_client_is_404(staff_client):
    assert staff_client.get(f"{URL}/999999").status_code == 404

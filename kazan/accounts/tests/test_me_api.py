"""GET /api/v1/accounts/me: the signed-in person's own data, nothing about anyone else."""

import pytest

from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_me_needs_a_session(client):
    response = client.get("/api/v1/accounts/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_me_returns_own_profile_and_memberships_only(client, business, other_business, owner):
    MembershipFactory(business=other_business, user=owner, role=Role.AGENT)
    colleague = MembershipFactory(business=business, role=Role.MANAGER).user
    client.force_login(owner)

    response = client.get("/api/v1/accounts/me")

    assert response.status_code == 200
    body = response.json()
    assert body["id"] == owner.pk
    assert body["email"] == owner.email
    assert body["name"] == owner.name
    assert body["language"] == "en"
    assert body["has_2fa"] is False
    assert body["memberships"] == [
        {"business_slug": "cafe-a", "business_name": "Café A", "role": "owner"},
        {"business_slug": "shop-b", "business_name": "Shop B", "role": "agent"},
    ]
    assert colleague.email not in response.content.decode()
    assert colleague.name not in response.content.decode()


def test_me_is_not_reachable_with_an_api_key(client, business, owner):
    from kazan.tenancy.services import api_key_create

    issued = api_key_create(business=business, name="shop", actor=owner)

    response = client.get(
        "/api/v1/accounts/me", headers={"Authorization": f"Bearer {issued.secret}"}
    )

    assert response.status_code == 401


def test_openapi_schema_describes_me_as_session_only(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    operation = response.json()["paths"]["/api/v1/accounts/me"]["get"]
    assert operation["security"] == [{"SessionAuth": []}]

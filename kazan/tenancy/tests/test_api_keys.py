"""API-key authentication for tenant API routes (Authorization: Bearer kz_...)."""

import datetime as dt

import pytest
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Router

from kazan.core.errors import KazanError
from kazan.tenancy import services
from kazan.tenancy.api_auth import ApiKeyPrincipal, api_require, tenant_auth
from kazan.tenancy.models import ApiKey, Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

# A small API mounted only for these tests: it answers with what the auth resolved.
router = Router(auth=tenant_auth)


@router.get("/whoami")
def whoami(request):
    business = api_require(request, "customers.view")
    return {
        "business": business.slug,
        "request_business": request.business.slug,
        "kind": "api_key" if isinstance(request.auth, ApiKeyPrincipal) else "member",
    }


@router.post("/write")
def write(request):
    business = api_require(request, "customers.edit")
    return {"business": business.slug}


@router.post("/team")
def team(request):
    api_require(request, "team.manage")
    return {"ok": True}


test_api = NinjaAPI(urls_namespace="tenancy-api-key-tests", docs_url=None)
test_api.add_router("/", router)


@test_api.exception_handler(KazanError)
def _domain_error(request, exc):
    # The same mapping as kazan.api: a KazanError becomes {"code", "message"} and its status.
    return test_api.create_response(
        request, {"code": exc.code, "message": str(exc.message)}, status=exc.status
    )


urlpatterns = [path("t/", test_api.urls)]


@pytest.fixture
def issued(business, owner):
    return services.api_key_create(business=business, name="Website", actor=owner)


def _bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


def test_valid_key_acts_for_its_business(client, issued, business):
    response = client.get("/t/whoami", headers=_bearer(issued.secret))

    assert response.status_code == 200
    assert response.json() == {
        "business": "cafe-a",
        "request_business": "cafe-a",
        "kind": "api_key",
    }
    issued.api_key.refresh_from_db()
    assert issued.api_key.last_used_at is not None


def test_key_can_write_without_a_csrf_token(client, issued):
    response = client.post("/t/write", headers=_bearer(issued.secret))
    assert response.status_code == 200
    assert response.json() == {"business": "cafe-a"}


def test_key_has_the_manager_permissions_not_the_owners(client, issued):
    response = client.post("/t/team", headers=_bearer(issued.secret))
    assert response.status_code == 403
    assert ApiKeyPrincipal(
        business=issued.api_key.business, api_key=issued.api_key
    ).permissions == (MembershipFactory.build(role=Role.MANAGER).permissions)


def test_revoked_key_is_a_401(client, issued, business, owner):
    services.api_key_revoke(business=business, api_key=issued.api_key, actor=owner)

    response = client.get("/t/whoami", headers=_bearer(issued.secret))

    assert response.status_code == 401


@pytest.mark.parametrize(
    "secret",
    [
        "kz_abcdefgh_" + "A" * 40,  # well-formed, unknown
        "not-a-key",
        "",
        "kz_" + "a" * 200,
    ],
)
def test_unknown_or_malformed_keys_are_a_401(client, issued, secret):
    response = client.get("/t/whoami", headers=_bearer(secret))
    assert response.status_code == 401


def test_right_prefix_with_a_wrong_secret_is_a_401(client, issued):
    forged = f"kz_{issued.api_key.prefix}_" + "B" * 40
    assert client.get("/t/whoami", headers=_bearer(forged)).status_code == 401


def test_key_of_a_naming_business_b_by_header_is_refused(client, issued, other_business):
    response = client.get(
        "/t/whoami",
        headers={**_bearer(issued.secret), "X-Client-ID": other_business.client_id},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "wrong_business"


def test_key_of_a_naming_business_b_by_subdomain_is_refused(client, issued, other_business):
    response = client.get("/t/whoami", headers=_bearer(issued.secret), HTTP_HOST="shop-b.localhost")
    assert response.status_code == 403


def test_key_with_an_unknown_client_id_is_refused(client, issued):
    response = client.get(
        "/t/whoami", headers={**_bearer(issued.secret), "X-Client-ID": "pk_does_not_exist"}
    )
    assert response.status_code == 403


def test_key_with_its_own_client_id_is_fine(client, issued, business):
    response = client.get(
        "/t/whoami", headers={**_bearer(issued.secret), "X-Client-ID": business.client_id}
    )
    assert response.status_code == 200


def test_key_of_b_cannot_read_a(client, business, other_business):
    theirs = services.api_key_create(business=other_business, name="B", actor=None)

    response = client.get(
        "/t/whoami", headers={**_bearer(theirs.secret), "X-Client-ID": business.client_id}
    )
    own = client.get("/t/whoami", headers=_bearer(theirs.secret))

    assert response.status_code == 403
    assert own.json()["business"] == "shop-b"


def test_session_members_still_authenticate(client, owner, business):
    client.force_login(owner)
    response = client.get("/t/whoami")
    assert response.json() == {"business": "cafe-a", "request_business": "cafe-a", "kind": "member"}


def test_signed_in_non_member_naming_a_business_is_a_401(client, other_owner, business):
    client.force_login(other_owner)
    response = client.get("/t/whoami", headers={"X-Client-ID": business.client_id})
    assert response.status_code == 401


def test_last_used_is_stamped_at_most_once_a_minute(client, issued, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    client.get("/t/whoami", headers=_bearer(issued.secret))
    first = ApiKey.objects.get(pk=issued.api_key.pk).last_used_at

    time_machine.shift(dt.timedelta(seconds=30))
    client.get("/t/whoami", headers=_bearer(issued.secret))
    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at == first

    time_machine.shift(dt.timedelta(seconds=31))
    client.get("/t/whoami", headers=_bearer(issued.secret))
    assert ApiKey.objects.get(pk=issued.api_key.pk).last_used_at > first

"""Two-factor is mandatory for platform staff, on every way in: the accounts sign-in, the admin's
login address (which only leads there) and the API with a session cookie."""

import pyotp
import pytest

from kazan.accounts.tests.conftest import sign_in
from kazan.accounts.tests.staff import staff_sign_in, totp_turn_on
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

STAFF_EMAIL = "staff@kazan.example"
STAFF_PAGES = ["/console/", "/admin/", "/api/v1/accounts/me"]


@pytest.fixture
def staff(db):
    return UserFactory(email=STAFF_EMAIL, name="Sam Staff", is_staff=True, is_superuser=True)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _statuses(client) -> dict[str, int]:
    return {path: client.get(path).status_code for path in STAFF_PAGES}


# --- the admin's login address ----------------------------------------------------------------


def test_the_admin_login_form_takes_no_password(client, staff):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": STAFF_EMAIL, "password": TEST_PASSWORD}
    )

    assert response.status_code == 405
    assert not _signed_in(client)


def test_the_admin_sends_people_to_the_one_sign_in_and_back(client, staff):
    response = client.get("/admin/accounts/user/", follow=True)

    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2Faccounts%2Fuser%2F"
    assert b'name="next" value="/admin/accounts/user/"' in response.content


@pytest.mark.parametrize("next_url", ["//evil.example/", "https://evil.example/admin/", ""])
def test_the_admin_login_never_forwards_to_another_site(client, next_url):
    response = client.get("/admin/login/", {"next": next_url})

    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2F"


def test_a_signed_in_non_staff_member_finds_no_admin_and_no_redirect_loop(owner_client):
    assert owner_client.get("/admin/login/?next=/admin/").status_code == 404
    assert owner_client.get("/admin/", follow=True).status_code == 404


# --- staff with TOTP --------------------------------------------------------------------------


@pytest.mark.parametrize(("way_in", "next_url"), [("/accounts/login/", ""), ("/admin/", "/admin/")])
def test_staff_with_totp_reach_nothing_before_the_code(client, staff, way_in, next_url):
    totp = totp_turn_on(staff)
    assert b'name="password"' in client.get(way_in, follow=True).content

    response = sign_in(client, email=STAFF_EMAIL, next=next_url)

    assert response["Location"] == "/accounts/login/verify/"
    assert _statuses(client) == {"/console/": 302, "/admin/": 302, "/api/v1/accounts/me": 401}

    response = client.post("/accounts/login/verify/", {"code": totp.now()})
    assert response.status_code == 302
    assert response["Location"] == (next_url or "/dashboard/")
    assert _statuses(client) == {"/console/": 200, "/admin/": 200, "/api/v1/accounts/me": 200}


def test_staff_session_that_skipped_the_second_factor_is_signed_out(client, staff):
    """E.g. a session the old admin login made with a password alone."""
    totp_turn_on(staff)
    client.force_login(staff)

    response = client.get("/console/businesses/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/console/businesses/"
    assert not _signed_in(client)


def test_staff_session_without_the_second_factor_gets_a_json_401_from_the_api(client, staff):
    totp_turn_on(staff)
    client.force_login(staff)

    response = client.get("/api/v1/accounts/me")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"
    assert not _signed_in(client)


# --- staff without TOTP -----------------------------------------------------------------------


def test_staff_without_totp_must_set_it_up_before_anything_else(client, staff):
    response = sign_in(client, email=STAFF_EMAIL, next="/console/")

    assert response["Location"] == "/accounts/security/two-factor/enable/"
    assert client.get("/console/")["Location"] == "/accounts/security/two-factor/enable/"
    assert client.get("/admin/")["Location"] == "/accounts/security/two-factor/enable/"
    assert client.get("/dashboard/")["Location"] == "/accounts/security/two-factor/enable/"
    api = client.get("/api/v1/accounts/me")
    assert api.status_code == 403
    assert api.json()["code"] == "two_factor_required"

    page = client.get("/accounts/security/two-factor/enable/")
    assert page.status_code == 200
    assert b"Platform staff must use two-factor authentication" in page.content
    totp = pyotp.TOTP(client.session["accounts_totp_setup"])
    enabled = client.post("/accounts/security/two-factor/enable/", {"code": totp.now()})

    assert enabled.status_code == 200  # the recovery codes, shown once
    assert _statuses(client) == {"/console/": 200, "/admin/": 200, "/api/v1/accounts/me": 200}


def test_the_staff_gate_leaves_business_teams_alone(owner_client):
    assert owner_client.get("/dashboard/").status_code == 200
    assert owner_client.get("/api/v1/accounts/me").status_code == 200


# --- the admin greets people by name ------------------------------------------------------------


def test_the_admin_greets_staff_by_name_not_by_a_hash(client, staff):
    staff_sign_in(client, staff)

    page = client.get("/admin/").content.decode()

    assert "<strong>Sam Staff</strong>" in page
    assert staff.email_index not in page


def test_without_a_name_the_admin_greets_with_the_email(client):
    nameless = UserFactory(email="root@kazan.example", name="", is_staff=True)
    staff_sign_in(client, nameless)

    page = client.get("/admin/").content.decode()

    assert "<strong>root@kazan.example</strong>" in page
    assert nameless.email_index not in page


def test_staff_cannot_turn_two_factor_off(client, staff):
    staff_sign_in(client, staff)
    totp = pyotp.TOTP(staff.totp_secret)

    page = client.get("/accounts/security/").content.decode()
    response = client.post(
        "/accounts/security/two-factor/disable/",
        {"password": TEST_PASSWORD, "code": totp.now()},
        follow=True,
    )

    assert "/accounts/security/two-factor/disable/" not in page
    assert b"Platform staff must keep two-factor authentication on." in response.content
    staff.refresh_from_db()
    assert staff.has_totp


# --- business owners: optional, but encouraged --------------------------------------------------


def test_owners_without_two_factor_are_invited_to_turn_it_on(client, business, owner):
    client.force_login(owner)
    assert b"data-two-factor-prompt" in client.get("/dashboard/").content

    totp_turn_on(owner)
    assert b"data-two-factor-prompt" not in client.get("/dashboard/").content


def test_other_roles_see_no_two_factor_prompt(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)

    assert b"data-two-factor-prompt" not in client.get("/dashboard/").content

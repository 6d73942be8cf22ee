"""The Django admin lists people and tenants without showing secrets."""

import pytest

from kazan.accounts import services
from kazan.accounts.tests.staff import staff_sign_in
from kazan.tenancy import services as tenancy
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    staff_sign_in(client, UserFactory(email="root@kazan.example", is_staff=True, is_superuser=True))
    return client


def test_user_changelist_and_search_by_name_or_full_email(admin_client, person):
    UserFactory(email="other@example.com", name="Someone Else")

    by_name = admin_client.get("/admin/accounts/user/?q=Lovelace")
    by_email = admin_client.get("/admin/accounts/user/?q=ada@example.com")

    assert by_name.status_code == 200
    assert b"Ada Lovelace" in by_name.content and b"Someone Else" not in by_name.content
    assert b"Ada Lovelace" in by_email.content and b"Someone Else" not in by_email.content


def test_user_change_page_shows_no_password_hash_or_totp_secret(admin_client, person, frozen):
    import pyotp

    from kazan.accounts.tests.conftest import code_at

    secret = services.totp_secret_new()
    services.totp_enable(user=person, secret=secret, code=code_at(pyotp.TOTP(secret)))
    person.refresh_from_db()

    page = admin_client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()

    assert "ada@example.com" in page
    assert secret not in page
    assert person.password not in page
    assert person.email_index not in page


def test_admin_adds_a_user_with_email_and_password(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "name": "New Person",
            "usable_password": "true",
            "password1": "lantern quietly 1987 river",
            "password2": "lantern quietly 1987 river",
        },
    )
    assert response.status_code == 302
    from kazan.accounts.models import User, email_index

    created = User.objects.get(email_index=email_index("new.person@example.com"))
    assert created.email == "new.person@example.com"
    assert created.check_password("lantern quietly 1987 river")


def test_admin_refuses_a_duplicate_email(admin_client, person):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "ADA@example.com",
            "usable_password": "true",
            "password1": "lantern quietly 1987 river",
            "password2": "lantern quietly 1987 river",
        },
    )
    assert response.status_code == 200
    assert b"Another account uses this email address." in response.content


def test_tenancy_admin_pages_load_without_hashes(admin_client, business, owner):
    issued = tenancy.invitation_create(
        business=business, email="x@example.com", role=Role.AGENT, actor=owner
    )
    key = tenancy.api_key_create(business=business, name="shop", actor=owner)

    for path in [
        "/admin/tenancy/business/",
        f"/admin/tenancy/business/{business.pk}/change/",
        "/admin/tenancy/membership/",
        "/admin/tenancy/invitation/",
        f"/admin/tenancy/invitation/{issued.invitation.pk}/change/",
        "/admin/tenancy/apikey/",
        f"/admin/tenancy/apikey/{key.api_key.pk}/change/",
        "/admin/accounts/recoverycode/",
    ]:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        page = response.content.decode()
        assert issued.invitation.token_hash not in page
        assert key.api_key.secret_hash not in page
        assert key.secret not in page

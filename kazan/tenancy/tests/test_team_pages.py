"""The team page: owners manage members, invitations and API keys; nobody else gets in."""

import re

import pytest

from kazan.activity.models import Activity
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy import services
from kazan.tenancy.models import ApiKey, Invitation, Membership, Role, sha256_hex
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(business, owner):
    return services.invitation_create(
        business=business, email="pending@example.com", role=Role.AGENT, actor=owner
    ).invitation


@pytest.fixture
def api_key(business, owner):
    return services.api_key_create(business=business, name="Website", actor=owner).api_key


def _routes(membership, invitation, api_key) -> list[tuple[str, str, dict]]:
    """Every team route, with ids of objects of the business under test."""
    return [
        ("get", "/dashboard/team/", {}),
        ("post", "/dashboard/team/invitations/", {"email": "x@example.com", "role": "agent"}),
        ("post", f"/dashboard/team/invitations/{invitation.pk}/revoke/", {}),
        ("post", f"/dashboard/team/members/{membership.pk}/role/", {"role": "agent"}),
        ("post", f"/dashboard/team/members/{membership.pk}/remove/", {}),
        ("post", "/dashboard/team/api-keys/", {"name": "Intruder"}),
        ("post", f"/dashboard/team/api-keys/{api_key.pk}/revoke/", {}),
    ]


def _unchanged(business, membership, invitation, api_key):
    membership.refresh_from_db()
    assert membership.role == Role.MANAGER
    assert Invitation.objects.get(pk=invitation.pk).is_pending
    assert ApiKey.objects.get(pk=api_key.pk).is_active
    assert Invitation.objects.filter(business=business).count() == 1
    assert ApiKey.objects.filter(business=business).count() == 1


# --- who gets in -------------------------------------------------------------------------------


def test_owner_sees_members_invitations_and_api_keys(
    owner_client, business, owner, invitation, api_key, manager
):
    response = owner_client.get("/dashboard/team/")

    assert response.status_code == 200
    page = response.content.decode()
    assert owner.email in page and manager.user.email in page
    assert "pending@example.com" in page
    assert f"kz_{api_key.prefix}_" in page
    assert api_key.secret_hash not in page


@pytest.mark.parametrize("role", [Role.MANAGER, Role.AGENT])
def test_managers_and_agents_cannot_manage_the_team(
    client, business, owner, invitation, api_key, role
):
    target = MembershipFactory(business=business, role=Role.MANAGER)
    member = MembershipFactory(business=business, role=role).user
    client.force_login(member)

    for method, path, data in _routes(target, invitation, api_key):
        response = getattr(client, method)(path, data)
        assert response.status_code == 403, (method, path)

    _unchanged(business, target, invitation, api_key)


def test_anonymous_people_are_sent_to_sign_in(client, business, owner, invitation, api_key):
    target = MembershipFactory(business=business, role=Role.MANAGER)
    for method, path, data in _routes(target, invitation, api_key):
        response = getattr(client, method)(path, data)
        assert response.status_code == 302, (method, path)
        assert response["Location"].startswith("/accounts/login/")


def test_owner_of_another_business_naming_our_objects_gets_404(
    client, business, owner, invitation, api_key, other_owner
):
    target = MembershipFactory(business=business, role=Role.MANAGER)
    client.force_login(other_owner)  # works in their own business by default

    for method, path, data in _routes(target, invitation, api_key):
        if method == "get" or path.endswith(("/invitations/", "/api-keys/")):
            continue  # these name no object: they act on the caller's own business
        response = getattr(client, method)(path, data)
        assert response.status_code == 404, (method, path)

    _unchanged(business, target, invitation, api_key)


@pytest.mark.parametrize("naming", ["header", "subdomain"])
def test_owner_of_another_business_naming_our_business_gets_404_everywhere(
    client, business, owner, invitation, api_key, other_owner, naming
):
    target = MembershipFactory(business=business, role=Role.MANAGER)
    client.force_login(other_owner)
    extra = (
        {"headers": {"X-Client-ID": business.client_id}}
        if naming == "header"
        else {"HTTP_HOST": f"{business.slug}.localhost"}
    )

    for method, path, data in _routes(target, invitation, api_key):
        response = getattr(client, method)(path, data, **extra)
        assert response.status_code == 404, (method, path)
        assert b"pending@example.com" not in response.content

    _unchanged(business, target, invitation, api_key)


# --- invitations ------------------------------------------------------------------------------


def test_inviting_shows_the_link_once_stores_only_its_hash_and_emails_it(
    owner_client, business, mailoutbox, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(
            "/dashboard/team/invitations/", {"email": "New@Example.com", "role": "manager"}
        )
    tasks_run_all(sweep=False)

    assert response.status_code == 200
    link = re.search(
        r"(http://testserver-public/accounts/invitations/([\w-]+)/)", response.content.decode()
    )
    assert link, "the accept link is shown to the owner"
    token = link.group(2)
    invitation = Invitation.objects.get(business=business)
    assert invitation.token_hash == sha256_hex(token)
    assert invitation.email == "new@example.com"
    assert invitation.role == Role.MANAGER
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new@example.com"]
    assert link.group(1) in mailoutbox[0].body
    assert business.name in mailoutbox[0].subject
    # Shown once: the list page does not have it.
    assert token not in owner_client.get("/dashboard/team/").content.decode()
    assert Activity.objects.get(action="invitation.created").data == {
        "role": "manager",
        "replaced": 0,
    }


@pytest.fixture(autouse=True)
def _public_url(settings):
    settings.PUBLIC_URL = "http://testserver-public"


def test_invalid_invitation_form_is_a_400_with_errors(owner_client, business):
    response = owner_client.post("/dashboard/team/invitations/", {"email": "nope", "role": "king"})
    assert response.status_code == 400
    assert b"Enter a valid email address." in response.content
    assert not Invitation.objects.exists()


def test_inviting_a_current_member_is_a_clear_409(owner_client, business, manager):
    response = owner_client.post(
        "/dashboard/team/invitations/", {"email": manager.user.email, "role": "agent"}
    )
    assert response.status_code == 409
    assert b"already a member" in response.content
    assert not Invitation.objects.exists()


def test_owner_withdraws_an_invitation(owner_client, invitation):
    response = owner_client.post(f"/dashboard/team/invitations/{invitation.pk}/revoke/")

    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert Activity.objects.filter(action="invitation.revoked").count() == 1
    again = owner_client.post(f"/dashboard/team/invitations/{invitation.pk}/revoke/")
    assert again.status_code == 409


# --- members ----------------------------------------------------------------------------------


def test_owner_changes_a_role(owner_client, manager):
    response = owner_client.post(f"/dashboard/team/members/{manager.pk}/role/", {"role": "agent"})

    assert response.status_code == 302
    manager.refresh_from_db()
    assert manager.role == Role.AGENT
    entry = Activity.objects.get(action="membership.role_changed")
    assert entry.data == {"from": "manager", "to": "agent", "user_id": manager.user_id}


def test_invalid_role_is_a_400(owner_client, manager):
    response = owner_client.post(f"/dashboard/team/members/{manager.pk}/role/", {"role": "god"})
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.role == Role.MANAGER


def test_the_last_owner_cannot_be_demoted(owner_client, business, owner):
    mine = Membership.objects.get(business=business, user=owner)

    response = owner_client.post(f"/dashboard/team/members/{mine.pk}/role/", {"role": "manager"})

    assert response.status_code == 409
    assert b"at least one owner" in response.content
    mine.refresh_from_db()
    assert mine.role == Role.OWNER


def test_the_last_owner_cannot_be_removed(owner_client, business, owner):
    mine = Membership.objects.get(business=business, user=owner)

    response = owner_client.post(f"/dashboard/team/members/{mine.pk}/remove/")

    assert response.status_code == 409
    assert Membership.objects.filter(pk=mine.pk).exists()


def test_with_two_owners_one_may_step_down(owner_client, business, owner):
    MembershipFactory(business=business, role=Role.OWNER)
    mine = Membership.objects.get(business=business, user=owner)

    response = owner_client.post(f"/dashboard/team/members/{mine.pk}/role/", {"role": "manager"})

    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.role == Role.MANAGER


def test_owner_removes_a_member(owner_client, business, manager):
    response = owner_client.post(f"/dashboard/team/members/{manager.pk}/remove/")

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=manager.pk).exists()
    entry = Activity.objects.get(action="membership.removed")
    assert entry.business == business
    assert entry.data == {"role": "manager", "user_id": manager.user_id}


# --- API keys ---------------------------------------------------------------------------------


def test_creating_an_api_key_shows_the_secret_once(owner_client, business):
    response = owner_client.post("/dashboard/team/api-keys/", {"name": "Shop website"})

    assert response.status_code == 200
    secret = re.search(r"kz_[a-z0-9]{8}_[A-Za-z0-9]{40}", response.content.decode()).group(0)
    key = ApiKey.objects.get(business=business)
    assert key.name == "Shop website"
    assert secret.startswith(f"kz_{key.prefix}_")
    assert key.secret_hash == sha256_hex(secret)
    assert secret not in owner_client.get("/dashboard/team/").content.decode()
    assert Activity.objects.get(action="api_key.created").data == {"prefix": key.prefix}


def test_api_key_needs_a_name(owner_client, business):
    response = owner_client.post("/dashboard/team/api-keys/", {"name": ""})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_owner_revokes_an_api_key(owner_client, api_key):
    response = owner_client.post(f"/dashboard/team/api-keys/{api_key.pk}/revoke/")

    assert response.status_code == 302
    api_key.refresh_from_db()
    assert api_key.revoked_at is not None
    assert Activity.objects.filter(action="api_key.revoked").count() == 1

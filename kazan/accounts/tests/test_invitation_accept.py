"""Accepting an invitation: new people sign up, existing people join; spent links say why."""

import datetime as dt

import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.tenancy import services as tenancy
from kazan.tenancy.models import Invitation, Membership, Role
from kazan.tenancy.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern quietly 1987 river"


@pytest.fixture
def issued(business, owner):
    return tenancy.invitation_create(
        business=business, email="Grace@Example.com", role=Role.MANAGER, actor=owner
    )


def _url(issued) -> str:
    return f"/accounts/invitations/{issued.token}/"


def test_new_person_sees_a_sign_up_form_for_the_invited_business(client, issued, business):
    response = client.get(_url(issued))

    assert response.status_code == 200
    page = response.content.decode()
    assert business.name in page
    assert "grace@example.com" in page
    assert 'name="password1"' in page


def test_new_person_signs_up_joins_and_is_signed_in(client, issued, business):
    response = client.post(
        _url(issued),
        {"name": "Grace Hopper", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    membership = Membership.objects.get(business=business, user__name="Grace Hopper")
    assert membership.role == Role.MANAGER
    assert membership.user.email == "grace@example.com"
    assert membership.user.check_password(NEW_PASSWORD)
    assert client.session["_auth_user_id"] == str(membership.user.pk)
    assert client.session["business_id"] == business.pk
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert invitation.accepted_by == membership.user
    entry = Activity.objects.get(action="invitation.accepted")
    assert entry.business == business
    assert entry.data == {"role": "manager", "membership_id": membership.pk, "new_user": True}


def test_weak_or_mismatched_passwords_re_render_the_form(client, issued):
    weak = client.post(_url(issued), {"name": "Grace", "password1": "123", "password2": "123"})
    mismatch = client.post(
        _url(issued),
        {"name": "Grace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )

    assert weak.status_code == 400
    assert b"too short" in weak.content
    assert mismatch.status_code == 400
    assert b"not the same" in mismatch.content
    assert Invitation.objects.get(pk=issued.invitation.pk).is_pending


def test_existing_person_is_asked_to_sign_in_first(client, issued):
    UserFactory(email="grace@example.com")

    response = client.get(_url(issued))

    assert response.status_code == 200
    assert f"/accounts/login/?next=/accounts/invitations/{issued.token}/".encode() in (
        response.content
    )
    # Posting a sign-up for an existing address does not create anything.
    post = client.post(
        _url(issued), {"name": "X", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    assert post.status_code == 200
    assert Invitation.objects.get(pk=issued.invitation.pk).is_pending


def test_existing_person_signed_in_with_the_invited_email_joins_with_one_click(
    client, issued, business
):
    grace = UserFactory(email="grace@example.com")
    client.force_login(grace)

    page = client.get(_url(issued))
    response = client.post(_url(issued))

    assert page.status_code == 200
    assert b"Join" in page.content
    assert response.status_code == 302
    assert Membership.objects.get(business=business, user=grace).role == Role.MANAGER
    assert Activity.objects.get(action="invitation.accepted").data["new_user"] is False


def test_someone_signed_in_with_another_email_cannot_use_the_link(client, issued, business):
    mallory = UserFactory(email="mallory@example.com")
    client.force_login(mallory)

    assert client.get(_url(issued)).status_code == 403
    response = client.post(_url(issued))

    assert response.status_code == 403
    assert b"another email address" in response.content
    assert not Membership.objects.filter(business=business, user=mallory).exists()
    assert Invitation.objects.get(pk=issued.invitation.pk).is_pending


def test_expired_link_gets_a_clear_410(client, issued, time_machine):
    time_machine.move_to(timezone.now() + dt.timedelta(days=7, minutes=1))

    response = client.get(_url(issued))

    assert response.status_code == 410
    assert b"expired" in response.content


def test_revoked_link_gets_a_clear_410(client, issued, business, owner):
    tenancy.invitation_revoke(business=business, invitation=issued.invitation, actor=owner)

    response = client.post(
        _url(issued),
        {"name": "Grace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 410
    assert b"withdrawn" in response.content
    assert not Membership.objects.filter(user__name="Grace").exists()


def test_link_works_only_once(client, issued):
    client.post(
        _url(issued), {"name": "Grace", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )
    client.post("/accounts/logout/")

    again = client.get(_url(issued))

    assert again.status_code == 410
    assert b"used already" in again.content


def test_unknown_token_is_a_404_page(client, db):
    response = client.get("/accounts/invitations/not-a-real-token/")
    assert response.status_code == 404
    assert b"not valid" in response.content


def test_an_existing_member_gets_a_clear_message(client, issued, business):
    # Between the invitation and the click, they were added another way (e.g. by staff).
    grace = UserFactory(email="grace@example.com")
    MembershipFactory(business=business, user=grace, role=Role.AGENT)
    client.force_login(grace)

    response = client.post(_url(issued))

    assert response.status_code == 409
    assert b"already a member" in response.content
    assert Membership.objects.get(business=business, user=grace).role == Role.AGENT


def test_the_service_refuses_a_second_acceptance_race_free(issued):
    tenancy.invitation_accept(token=issued.token, name="Grace", password=NEW_PASSWORD)
    with pytest.raises(tenancy.InvitationUnusable):
        tenancy.invitation_accept(token=issued.token, name="Grace", password=NEW_PASSWORD)


def test_signing_in_from_the_invitation_page_comes_back_to_it(client, issued):
    UserFactory(email="grace@example.com")
    response = client.post(
        "/accounts/login/",
        {"email": "grace@example.com", "password": TEST_PASSWORD, "next": _url(issued)},
    )
    assert response["Location"] == _url(issued)

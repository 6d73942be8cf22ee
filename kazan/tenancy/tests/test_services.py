"""Business and team services: creation with an owner, validated updates, invitation rules."""

import pytest
from django.db import connection

from kazan.activity.models import Activity
from kazan.billing.testing import limits_give
from kazan.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy import services
from kazan.tenancy.models import Business, Invitation, Membership, Role
from kazan.tenancy.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "lantern quietly 1987 river"


# --- business_create --------------------------------------------------------------------------


def test_business_for_an_existing_person_makes_them_owner_at_once(staff_user):
    ada = UserFactory(email="ada@example.com")

    business, issued = services.business_create(
        slug="bakery-ada",
        name="Ada's Bakery",
        owner_email="ADA@example.com",
        actor=staff_user,
        country="IT",
        timezone="Europe/Rome",
    )

    assert issued is None
    assert business.country == "IT" and business.timezone == "Europe/Rome"
    assert Membership.objects.get(business=business).user == ada
    assert Membership.objects.get(business=business).role == Role.OWNER
    assert set(Activity.objects.filter(business=business).values_list("action", flat=True)) == {
        "business.created",
        "membership.created",
    }


def test_business_for_a_new_person_invites_an_owner(
    staff_user, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        business, issued = services.business_create(
            slug="new-shop", name="New Shop", owner_email="founder@example.com", actor=staff_user
        )
    tasks_run_all(sweep=False)

    assert not Membership.objects.filter(business=business).exists()
    assert issued.invitation.role == Role.OWNER
    assert issued.invitation.email == "founder@example.com"
    assert issued.token in issued.accept_url
    assert mailoutbox[0].to == ["founder@example.com"]

    membership = services.invitation_accept(
        token=issued.token, name="Founder", password=NEW_PASSWORD
    )
    assert membership.business == business and membership.role == Role.OWNER


@pytest.mark.parametrize(
    ("slug", "fields"),
    [
        ("admin", {}),  # reserved
        ("Not A Slug!", {}),
        ("ok-slug", {"timezone": "Mars/Olympus"}),
        ("ok-slug", {"brand_color": "green"}),
    ],
)
def test_business_with_invalid_data_is_refused(staff_user, slug, fields):
    with pytest.raises(ValidationFailed):
        services.business_create(
            slug=slug, name="X", owner_email="x@example.com", actor=staff_user, **fields
        )
    assert not Business.objects.exists()


def test_business_slug_must_be_free(staff_user, business):
    with pytest.raises(ValidationFailed):
        services.business_create(
            slug=business.slug, name="Copy", owner_email="x@example.com", actor=staff_user
        )


def test_business_create_refuses_unknown_fields_and_bad_email(staff_user):
    with pytest.raises(ValidationFailed):
        services.business_create(
            slug="fine", name="X", owner_email="x@example.com", actor=staff_user, status="x"
        )
    with pytest.raises(ValidationFailed):
        services.business_create(slug="fine", name="X", owner_email="nope", actor=staff_user)


# --- business_update --------------------------------------------------------------------------


def test_update_records_the_changed_field_names_only(business, owner):
    services.business_update(
        business=business,
        actor=owner,
        name="Café A & Sons",
        address="Neue Straße 5",
        country=business.country,  # unchanged
    )

    business.refresh_from_db()
    assert business.name == "Café A & Sons"
    entry = Activity.objects.get(action="business.updated")
    assert entry.data == {"fields": ["address", "name"]}
    assert "Neue" not in str(entry.data)


def test_update_without_changes_records_nothing(business, owner):
    services.business_update(business=business, actor=owner, name=business.name)
    assert not Activity.objects.filter(action="business.updated").exists()


def test_invalid_update_changes_nothing(business, owner):
    with pytest.raises(ValidationFailed) as caught:
        services.business_update(
            business=business, actor=owner, name="Renamed", website_url="not a url"
        )

    assert "website_url" in str(caught.value.message)
    business.refresh_from_db()
    assert business.name == "Café A"


def test_update_refuses_fields_outside_the_profile(business, owner):
    with pytest.raises(ValidationFailed):
        services.business_update(business=business, actor=owner, client_id="pk_mine")
    with pytest.raises(ValidationFailed):
        services.business_update(business=business, actor=owner, status="suspended")


def test_update_refuses_a_taken_slug(business, other_business, owner):
    with pytest.raises(ValidationFailed):
        services.business_update(business=business, actor=owner, slug=other_business.slug)


# --- invitations and members ------------------------------------------------------------------


def test_a_new_invitation_replaces_the_pending_one_for_the_same_email(business, owner):
    first = services.invitation_create(
        business=business, email="x@example.com", role=Role.AGENT, actor=owner
    )
    second = services.invitation_create(
        business=business, email="X@Example.com ", role=Role.MANAGER, actor=owner
    )

    assert Invitation.objects.get(pk=first.invitation.pk).status == Invitation.Status.REVOKED
    assert second.invitation.is_pending
    with pytest.raises(services.InvitationUnusable):
        services.invitation_accept(token=first.token, name="X", password=NEW_PASSWORD)


def test_invitations_are_rate_limited_per_business(business, other_business, owner):
    limits_give(business, team_members=None)  # the plan's seats do not stop it first
    for number in range(services.INVITATIONS_PER_HOUR):
        services.invitation_create(
            business=business, email=f"p{number}@example.com", role=Role.AGENT, actor=owner
        )
    with pytest.raises(RateLimited):
        services.invitation_create(
            business=business, email="one-more@example.com", role=Role.AGENT, actor=owner
        )
    # Another business is not affected.
    services.invitation_create(
        business=other_business, email="one-more@example.com", role=Role.AGENT, actor=None
    )


def test_invitation_token_is_stored_only_as_a_hash(business, owner):
    issued = services.invitation_create(
        business=business, email="x@example.com", role=Role.AGENT, actor=owner
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT token_hash FROM tenancy_invitation")
        (stored,) = cursor.fetchone()
    assert stored != issued.token and len(stored) == 64


def test_accepting_needs_a_password_for_a_new_person(business, owner):
    issued = services.invitation_create(
        business=business, email="x@example.com", role=Role.AGENT, actor=owner
    )
    with pytest.raises(ValidationFailed):
        services.invitation_accept(token=issued.token, name="X", password="")
    with pytest.raises(ValidationFailed):
        services.invitation_accept(token=issued.token, name="X", password="short")
    with pytest.raises(NotFound):
        services.invitation_accept(token="made-up", name="X", password=NEW_PASSWORD)


def test_member_services_refuse_objects_of_another_business(business, other_business, owner):
    theirs = MembershipFactory(business=other_business, role=Role.AGENT)
    their_invitation = services.invitation_create(
        business=other_business, email="t@example.com", role=Role.AGENT, actor=None
    ).invitation
    their_key = services.api_key_create(business=other_business, name="k", actor=None).api_key

    with pytest.raises(NotFound):
        services.membership_role_change(
            business=business, membership=theirs, role=Role.MANAGER, actor=owner
        )
    with pytest.raises(NotFound):
        services.membership_remove(business=business, membership=theirs, actor=owner)
    with pytest.raises(NotFound):
        services.invitation_revoke(business=business, invitation=their_invitation, actor=owner)
    with pytest.raises(NotFound):
        services.api_key_revoke(business=business, api_key=their_key, actor=owner)

    theirs.refresh_from_db()
    assert theirs.role == Role.AGENT


def test_promoting_to_owner_and_then_demoting_the_first_owner(business, owner):
    manager = MembershipFactory(business=business, role=Role.MANAGER)
    mine = Membership.objects.get(business=business, user=owner)

    services.membership_role_change(
        business=business, membership=manager, role=Role.OWNER, actor=owner
    )
    services.membership_role_change(
        business=business, membership=mine, role=Role.AGENT, actor=owner
    )

    with pytest.raises(Conflict):
        services.membership_remove(business=business, membership=manager, actor=owner)
    assert Membership.objects.filter(business=business, role=Role.OWNER).count() == 1


def test_api_keys_are_capped_per_business(business, owner):
    for number in range(services.API_KEYS_ACTIVE_MAX):
        services.api_key_create(business=business, name=f"key {number}", actor=owner)
    with pytest.raises(Conflict):
        services.api_key_create(business=business, name="one too many", actor=owner)

"""The plan's say in tenancy (decision 0033): team seats (members and open invitations) are
limited, API keys need the plan's API access and a live subscription, and neither the widget's
publishable id nor the dashboard's session is asked about API access. One business's plan
never touches another's."""

import pytest
from django.urls import reverse

from kazan.billing.testing import limits_give, subscription_status_set
from kazan.core.entitlements import (
    Limit,
    PlanFeatureUnavailable,
    PlanLimitReached,
    usage_count,
)
from kazan.tenancy import services
from kazan.tenancy.models import Invitation, Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

WIDGET_STATS = "/api/v1/analytics/widget"


def _invite(business, owner, email="new@example.com"):
    return services.invitation_create(business=business, email=email, role=Role.AGENT, actor=owner)


# --- team seats --------------------------------------------------------------------------------


def test_seats_are_members_and_open_invitations(business, owner):
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 1
    issued = _invite(business, owner)
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 2
    services.invitation_revoke(business=business, invitation=issued.invitation, actor=owner)
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 1


def test_below_the_limit_an_invitation_goes_out(business, owner):
    limits_give(business, team_members=2)
    assert _invite(business, owner).invitation.pk


def test_at_the_limit_an_invitation_is_refused_with_the_plans_words(business, owner):
    limits_give(business, team_members=2)
    _invite(business, owner)
    with pytest.raises(PlanLimitReached) as refused:
        _invite(business, owner, email="third@example.com")
    assert refused.value.key == Limit.TEAM_MEMBERS and refused.value.limit == 2
    assert "2 team members" in str(refused.value.message)
    assert Invitation.objects.filter(business=business).count() == 1


def test_inviting_the_same_address_again_takes_no_new_seat(business, owner):
    limits_give(business, team_members=2)
    _invite(business, owner)
    again = _invite(business, owner)
    assert again.invitation.is_pending


def test_accepting_an_invitation_at_the_limit_works(business, owner):
    limits_give(business, team_members=2)
    issued = _invite(business, owner)
    membership = services.invitation_accept(token=issued.token, name="New", password="x" * 12)
    assert membership.business == business
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 2


def test_the_team_page_says_the_limit_and_links_the_upgrade(owner_client, business):
    limits_give(business, team_members=1)
    response = owner_client.post(
        reverse("team:invitation_create"), {"email": "x@example.com", "role": Role.AGENT}
    )
    assert response.status_code == 402
    page = response.content.decode()
    assert 'data-plan-refused="plan_limit_reached"' in page
    assert "Your plan allows 1 team member." in page
    assert "/dashboard/billing/" in page


def test_another_business_at_its_limit_does_not_limit_this_one(
    business, other_business, owner, other_owner
):
    limits_give(other_business, team_members=1)
    with pytest.raises(PlanLimitReached):
        _invite(other_business, other_owner)
    assert _invite(business, owner).invitation.business == business


# --- API access -----------------------------------------------------------------------------


@pytest.fixture
def api_key(business, owner):
    return services.api_key_create(business=business, name="POS", actor=owner).secret


def _bearer(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_an_api_key_works_while_the_plan_has_api_access(client, api_key):
    assert client.get(WIDGET_STATS, **_bearer(api_key)).status_code == 200


def test_an_api_key_is_refused_403_when_the_plan_has_no_api_access(client, business, api_key):
    limits_give(business, api_access=False)
    response = client.get(WIDGET_STATS, **_bearer(api_key))
    assert response.status_code == 403
    body = response.json()
    assert body["code"] == "plan_feature_unavailable"
    assert "API access" in body["message"]


def test_an_api_key_is_refused_402_while_the_subscription_is_suspended(client, business, api_key):
    subscription_status_set(business)
    response = client.get(WIDGET_STATS, **_bearer(api_key))
    assert response.status_code == 402
    assert response.json()["code"] == "subscription_inactive"


def test_the_dashboard_session_is_not_asked_about_api_access(owner_client, business):
    limits_give(business, api_access=False)
    assert owner_client.get(WIDGET_STATS).status_code == 200


def test_the_widgets_publishable_id_is_not_asked_about_api_access(client, business):
    limits_give(business, api_access=False)
    response = client.post(
        "/api/v1/events",
        {"kind": "redirect_link"},
        content_type="application/json",
        HTTP_X_CLIENT_ID=business.client_id,
    )
    assert response.status_code == 202


def test_one_business_without_api_access_leaves_anothers_keys_working(
    client, business, other_business, api_key
):
    limits_give(other_business, api_access=False)
    subscription_status_set(other_business)
    assert client.get(WIDGET_STATS, **_bearer(api_key)).status_code == 200


def test_creating_a_key_is_refused_without_api_access(business, owner, owner_client):
    limits_give(business, api_access=False)
    with pytest.raises(PlanFeatureUnavailable):
        services.api_key_create(business=business, name="POS", actor=owner)
    response = owner_client.post(reverse("team:api_key_create"), {"name": "POS"})
    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-plan-refused="plan_feature_unavailable"' in page
    assert "/dashboard/billing/" in page


def test_the_team_page_says_when_the_plan_has_no_api_access(owner_client, business):
    limits_give(business, api_access=False)
    page = owner_client.get(reverse("team:list")).content.decode()
    assert 'id="api-access-unavailable"' in page
    assert reverse("team:api_key_create") not in page
    limits_give(business, api_access=True)
    assert reverse("team:api_key_create") in owner_client.get(reverse("team:list")).content.decode()


def test_a_manager_counts_as_a_seat(business, owner):
    MembershipFactory(business=business, role=Role.MANAGER)
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 2


def test_an_invitation_locks_the_plan_subscription_before_the_business(
    business, owner, monkeypatch
):
    """Billing locks the plan subscription, then the business: an invitation does the same, so
    the two cannot deadlock on PostgreSQL."""
    from kazan.tenancy.services import invitations

    order = []
    plan_allows, business_locked = invitations.plan_allows, invitations.business_locked

    def plan_first(**kwargs):
        order.append(("plan", kwargs.get("adding", 1)))
        return plan_allows(**kwargs)

    def business_then(found):
        order.append(("business", None))
        return business_locked(found)

    monkeypatch.setattr(invitations, "plan_allows", plan_first)
    monkeypatch.setattr(invitations, "business_locked", business_then)
    _invite(business, owner)
    assert order == [("plan", 0), ("business", None), ("plan", 1)]


def test_a_suspended_business_without_api_access_is_still_told_to_settle_the_bill(
    client, business, api_key
):
    limits_give(business, api_access=False)
    subscription_status_set(business)
    response = client.get(WIDGET_STATS, **_bearer(api_key))
    assert response.status_code == 402
    assert response.json()["code"] == "subscription_inactive"

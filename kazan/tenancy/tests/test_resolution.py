"""How a request finds its business: subdomain, X-Client-ID header, session choice."""

import datetime as dt

import pytest
from django.urls import reverse

from kazan.activity.models import Activity
from kazan.activity.services import activity_record
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_subdomain_resolves_the_business(owner_client, business):
    response = owner_client.get(reverse("dashboard:home"), HTTP_HOST=f"{business.slug}.localhost")
    assert response.context["business"] == business


def test_client_id_header_resolves_the_business(owner_client, business):
    response = owner_client.get(reverse("dashboard:home"), HTTP_X_CLIENT_ID=business.client_id)
    assert response.context["business"] == business


def test_unknown_subdomain_or_client_id_is_a_404_for_members(owner_client):
    assert (
        owner_client.get(reverse("dashboard:home"), HTTP_HOST="nope.localhost").status_code == 404
    )
    assert (
        owner_client.get(reverse("dashboard:home"), HTTP_X_CLIENT_ID="pk_nope").status_code == 404
    )


def test_times_are_shown_in_the_business_time_zone(owner_client, business, owner):
    business.timezone = "Asia/Tokyo"
    business.save()
    activity_record(business=business, actor=owner, action="settings.edited")
    Activity.objects.update(created_at=dt.datetime(2026, 3, 1, 23, 30, tzinfo=dt.UTC))

    page = owner_client.get(reverse("dashboard:activity")).content.decode()

    assert "03/02/2026 8:30 a.m." in page  # 23:30 UTC is 08:30 next morning in Tokyo


def test_session_choice_wins_for_members_of_several(client, business, other_business):
    membership = MembershipFactory(business=business, role=Role.OWNER)
    MembershipFactory(business=other_business, user=membership.user)
    client.force_login(membership.user)
    session = client.session
    session["business_id"] = other_business.pk
    session.save()
    assert client.get(reverse("dashboard:home")).context["business"] == other_business

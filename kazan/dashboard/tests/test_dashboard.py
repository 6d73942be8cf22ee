"""The business dashboard's own pages: overview, activity log, business picker."""

import pytest
from django.urls import reverse

from kazan.activity.services import activity_record
from kazan.billing.testing import limits_give
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Review
from kazan.messaging.services import sms_credits_grant, sms_send
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _stat(response, name: str) -> str:
    html = response.content.decode()
    start = html.index(f'data-stat="{name}">') + len(f'data-stat="{name}">')
    return html[start : html.index("<", start)]


def test_overview_counts_only_this_business(owner_client, business, other_business, owner):
    # Given two businesses with customers, reviews, credits and messages
    mine = CustomerFactory.create_batch(3, business=business)
    CustomerFactory.create_batch(5, business=other_business)
    Review.objects.create(business=business, customer=mine[0], rating=5)
    Review.objects.create(business=business, customer=mine[1], rating=4)
    Review.objects.create(business=other_business, rating=1)
    sms_credits_grant(business=business, amount=50, actor=owner)
    sms_credits_grant(business=other_business, amount=999, actor=owner)
    sms_send(business=business, to=mine[0].phone_e164, body="Hello", purpose="transactional")

    # When the owner opens the overview
    response = owner_client.get(reverse("dashboard:home"))

    # Then only this business's numbers are shown
    assert response.status_code == 200
    assert _stat(response, "customers") == "3"
    assert _stat(response, "sms-remaining") == "49"
    assert _stat(response, "reviews") == "2"
    assert "average 4.5" in response.content.decode()


def test_overview_uses_a_fixed_number_of_queries(
    owner_client, business, django_assert_max_num_queries
):
    CustomerFactory.create_batch(30, business=business)
    limits_give(business)  # the plan's subscription, made on first need, exists
    # the quota banner included, the website chat section (one query), the plan's history
    with django_assert_max_num_queries(27):  # + the plan: its history, its trial entry
        owner_client.get(reverse("dashboard:home"))


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_member_of_several_businesses_picks_one(client, business, other_business):
    membership = MembershipFactory(business=business, role=Role.MANAGER)
    MembershipFactory(business=other_business, user=membership.user, role=Role.AGENT)
    client.force_login(membership.user)

    assert client.get(reverse("dashboard:home"))["Location"] == reverse("dashboard:business_pick")
    picker = client.get(reverse("dashboard:business_pick"))
    assert "Café A" in picker.content.decode() and "Shop B" in picker.content.decode()

    client.post(reverse("dashboard:business_pick"), {"business": other_business.pk})
    home = client.get(reverse("dashboard:home"))
    assert home.status_code == 200
    assert home.context["business"] == other_business


def test_picker_refuses_a_business_the_user_is_not_member_of(client, business, other_business):
    membership = MembershipFactory(business=business)
    client.force_login(membership.user)
    client.post(reverse("dashboard:business_pick"), {"business": other_business.pk})
    assert client.get(reverse("dashboard:home")).context["business"] == business
    # junk input is a re-rendered page, not an error
    assert (
        client.post(reverse("dashboard:business_pick"), {"business": "x" * 50}).status_code == 200
    )


def test_activity_log_filters_by_type_actor_and_date(owner_client, business, other_business, owner):
    colleague = MembershipFactory(business=business, role=Role.MANAGER).user
    activity_record(business=business, actor=owner, action="customer.erased")
    activity_record(business=business, actor=colleague, action="campaign.planned")
    activity_record(business=other_business, actor=owner, action="customer.secret_other")

    everything = owner_client.get(reverse("dashboard:activity"))
    assert everything.status_code == 200
    page = everything.content.decode()
    assert "customer.erased" in page and "campaign.planned" in page
    assert "customer.secret_other" not in page

    by_type = owner_client.get(reverse("dashboard:activity"), {"action": "campaign"})
    assert [e.action for e in by_type.context["page"]] == ["campaign.planned"]

    by_actor = owner_client.get(reverse("dashboard:activity"), {"actor": owner.pk})
    assert [e.action for e in by_actor.context["page"]] == ["customer.erased"]

    future = owner_client.get(reverse("dashboard:activity"), {"since": "2999-01-01"})
    assert list(future.context["page"]) == []


def test_activity_log_bad_filters_are_ignored_with_a_message(owner_client):
    response = owner_client.get(
        reverse("dashboard:activity"),
        {"since": "2026-12-01", "until": "2026-01-01", "actor": "not-a-number"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_agent_cannot_read_the_activity_log(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.get(reverse("dashboard:activity")).status_code == 403

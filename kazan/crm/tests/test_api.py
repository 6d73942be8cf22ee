"""/api/v1/crm (seed 004 §10.1): shapes of the figures on a known data set, the users and
profiles routes, their errors, permissions and tenant isolation."""

import csv
import io

import pytest

from kazan.activity.models import Activity
from kazan.crm.tests.panel_world import crm_world
from kazan.customers.models import Customer, CustomerProfile
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/crm"


@pytest.fixture
def api(client, business, owner):
    key = api_key_create(business=business, name="Admin scripts", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


def test_stats_of_a_known_data_set(api, business):
    crm_world(business)

    response = api.get(f"{API}/stats", {"days": 30})

    assert response.status_code == 200
    body = response.json()
    assert (body["total_users"], body["total_customers"], body["total_orders"]) == (3, 3, 6)
    assert body["active_subscribers"] == 1
    assert (body["revenue_tokens_total"], body["revenue_tokens_period"]) == (1350, 350)
    assert body["money_received"] == [{"currency": "USD", "total_minor": 1500, "month_minor": 1500}]
    assert body["order_status"]["completed"] == 2
    assert body["completion_rate"] == pytest.approx(0.4)
    assert body["average_order_tokens"] == 175
    assert body["health"]["queue_length"] == 1
    assert body["health"]["payments_unfinished"] == 1
    assert "X-RateLimit-Limit" in response


@pytest.mark.parametrize("days", ["12", "abc", "-7"])
def test_an_unknown_period_is_a_422(api, business, days):
    response = api.get(f"{API}/stats", {"days": days})

    assert response.status_code == 422
    assert response.json()["code"] == "invalid"


def test_trends_by_day_week_and_month(api, business):
    crm_world(business)

    body = api.get(f"{API}/analytics/trends").json()

    assert (len(body["daily"]), len(body["weekly"]), len(body["monthly"])) == (30, 12, 12)
    assert sum(day["revenue_tokens"] for day in body["daily"]) == 350
    assert sum(month["revenue_tokens"] for month in body["monthly"]) == 1350
    assert sum(week["new_users"] for week in body["weekly"]) == 3
    assert body["currency"] == "USD"


def test_performance(api, business):
    crm_world(business)

    body = api.get(f"{API}/analytics/performance", {"days": 30}).json()

    assert (body["placed"], body["completed"], body["cancelled"]) == (5, 2, 1)
    assert body["completion_rate"] == pytest.approx(0.4)
    assert body["avg_processing_seconds"] == pytest.approx(1800, abs=1)
    assert body["avg_assignment_seconds"] == pytest.approx(900, abs=1)


def test_users_list_with_filters_and_pages(api, business):
    world = crm_world(business)

    body = api.get(f"{API}/users", {"sort": "-balance", "page_size": 2}).json()
    premium = api.get(f"{API}/users", {"status": "premium"}).json()

    assert body["count"] == 3
    assert [user["id"] for user in body["items"]] == [world.alice.pk, world.carol.pk]
    first = body["items"][0]
    assert (first["balance"], first["profiles"], first["orders"], first["suspended"]) == (
        600,
        2,
        3,
        False,
    )
    assert [user["id"] for user in premium["items"]] == [world.alice.pk]
    assert api.get(f"{API}/users", {"status": "weird"}).status_code == 422


def test_a_users_tokens_change_at_the_wallets_route_and_show_in_the_list(api, business):
    world = crm_world(business)

    response = api.put(
        f"/api/v1/wallet/customers/{world.carol.pk}/tokens",
        {"amount": 60, "reason": "goodwill"},
        content_type="application/json",
    )
    listed = api.get(f"{API}/users", {"q": "carol"}).json()

    assert response.status_code == 200
    assert listed["items"][0]["balance"] == 100


def test_block_and_unblock(api, business):
    world = crm_world(business)

    blocked = api.post(f"{API}/users/{world.carol.pk}/block")
    unblocked = api.post(f"{API}/users/{world.bob.pk}/unblock")

    assert blocked.json()["suspended"] is True
    assert unblocked.json()["suspended"] is False
    assert Customer.objects.get(pk=world.carol.pk).blocked_at is not None


def test_profiles_list_edit_and_delete(api, business):
    world = crm_world(business)
    bobs = CustomerProfile.objects.get(customer=world.bob)

    listed = api.get(f"{API}/customers", {"q": "adams"}).json()
    edited = api.put(
        f"{API}/customers/{bobs.pk}",
        {
            "first_name": "Robert",
            "phone_e164": "+12025550143",
            "email": "rob@example.com",
            "gender": "male",
            "date_of_birth": "1985-02-03",
            "street": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "postal_code": "73301",
            "country": "US",
        },
        content_type="application/json",
    )
    wrong = api.put(
        f"{API}/customers/{bobs.pk}", {"postal_code": "10001"}, content_type="application/json"
    )
    deleted = api.delete(f"{API}/customers/{bobs.pk}")

    assert listed["count"] == 2
    assert edited.status_code == 200, edited.json()
    assert edited.json()["first_name"] == "Robert"
    assert edited.json()["email_masked"] != "rob@example.com"
    assert wrong.status_code == 422
    assert wrong.json()["code"] == "invalid_profile"
    assert [error["loc"][-1] for error in wrong.json()["errors"]] == ["postal_code"]
    assert deleted.status_code == 204
    assert not CustomerProfile.objects.filter(pk=bobs.pk).exists()


def test_a_profile_with_an_open_token_order_is_not_deleted(api, business):
    from kazan.commerce import services
    from kazan.commerce.tests.queue_helpers import place

    order = place(business)
    profile = order.profile
    refused = api.delete(f"{API}/customers/{profile.pk}")
    assert refused.status_code == 409
    assert "open orders" in refused.json()["message"]
    assert CustomerProfile.objects.filter(pk=profile.pk).exists()
    services.token_order_cancel(business=business, order=order, actor=None)
    assert api.delete(f"{API}/customers/{profile.pk}").status_code == 204


def test_profile_edits_are_recorded_as_the_api_key(api, business):
    world = crm_world(business)
    bobs = CustomerProfile.objects.get(customer=world.bob)
    edited = api.put(
        f"{API}/customers/{bobs.pk}",
        {
            "first_name": "Robert",
            "phone_e164": "+12025550143",
            "email": "rob@example.com",
            "gender": "male",
            "date_of_birth": "1985-02-03",
            "street": "1 Main St",
            "city": "Austin",
            "state": "TX",
            "postal_code": "73301",
            "country": "US",
        },
        content_type="application/json",
    )
    assert edited.status_code == 200, edited.json()
    logged = Activity.objects.get(action="customer.profile_updated")
    assert logged.actor_kind != "member"


def test_profiles_export_is_csv_with_masked_contacts(api, business):
    world = crm_world(business)
    CustomerProfile.objects.filter(customer=world.bob).update(first_name="=HYPERLINK(1)")

    response = api.get(f"{API}/customers/export")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 4  # header + 3 profiles
    assert "'=HYPERLINK(1)" in text
    assert Activity.objects.filter(action="crm.profiles_exported").count() == 1


def test_another_business_ids_are_404(api, business, other_business):
    crm_world(business)
    theirs = crm_world(other_business)
    profile = CustomerProfile.objects.filter(customer=theirs.bob).first()

    assert api.post(f"{API}/users/{theirs.bob.pk}/unblock").status_code == 404
    assert api.post(f"{API}/users/{theirs.bob.pk}/block").status_code == 404
    assert api.delete(f"{API}/customers/{profile.pk}").status_code == 404
    assert CustomerProfile.objects.filter(pk=profile.pk).exists()
    assert theirs.bob.pk not in [u["id"] for u in api.get(f"{API}/users").json()["items"]]


def test_an_agent_session_may_not_read_the_figures(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)

    assert client.get(f"{API}/stats").status_code == 403
    assert client.get(f"{API}/users").status_code == 403
    assert client.get(f"{API}/customers").status_code == 200  # customers.view


def test_without_credentials_401(client, business):
    assert client.get(f"{API}/stats").status_code == 401

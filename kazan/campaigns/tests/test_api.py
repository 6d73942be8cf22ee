"""/api/v1/campaigns: the dashboard's campaign rules through the API — consenting customers
only, payable in full, editable until sending starts, scoped to the key's business."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.campaigns.models import Campaign
from kazan.campaigns.services import campaign_save
from kazan.customers.models import Tag
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.services import api_key_create

pytestmark = pytest.mark.django_db
API = "/api/v1/campaigns"


@pytest.fixture
def api(business, owner):
    key = api_key_create(business=business, name="Shop", actor=owner)
    return Client(headers={"Authorization": f"Bearer {key.secret}"})


def _create(client, **fields):
    return client.post(f"{API}/", fields, content_type="application/json")


def test_create_a_draft_then_send_it(api, funded, customers, django_capture_on_commit_callbacks):
    created = _create(api, name="Spring", body="Hello {name}!", draft=True)
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["written"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        sent = api.post(f"{API}/{data['id']}/send", {}, content_type="application/json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["status"] == "scheduled"
    tasks_run_all()
    after = api.get(f"{API}/{data['id']}").json()
    assert after["status"] == "sent"
    assert after["written"] == len(customers)
    by_action = dict(
        Activity.objects.filter(action__in=["campaign.created", "campaign.updated"]).values_list(
            "action", "actor_kind"
        )
    )
    assert len(by_action) == 2
    assert all(kind.startswith("api_key:") for kind in by_action.values())


def test_schedule_with_a_timestamp_and_cancel(api, funded, customers):
    when = (timezone.now() + timedelta(days=2)).isoformat()
    created = _create(api, name="Later", body="Hi", send_at=when)
    assert created.status_code == 201
    campaign_id = created.json()["id"]
    assert created.json()["status"] == "scheduled"
    cancelled = api.post(f"{API}/{campaign_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    again = api.post(f"{API}/{campaign_id}/cancel")
    assert again.status_code == 409 and again.json()["code"] == "not_editable"


def test_list_and_get_are_scoped(api, business, other_business, owner, funded, customers):
    mine = campaign_save(business=business, actor=owner, name="Mine", body="x", draft=True)
    theirs = campaign_save(business=other_business, actor=None, name="Theirs", body="x", draft=True)
    listed = api.get(f"{API}/").json()
    assert [c["name"] for c in listed["items"]] == ["Mine"] and listed["count"] == 1
    assert api.get(f"{API}/{mine.pk}").json()["name"] == "Mine"
    for path in (f"{API}/{theirs.pk}", f"{API}/{theirs.pk}/cancel"):
        method = api.get if path.endswith(str(theirs.pk)) else api.post
        response = method(path)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert Campaign.objects.get(pk=theirs.pk).status == "draft"


def test_without_enough_credits_it_is_402(api, customers):
    response = _create(api, name="Big", body="Hello")
    assert response.status_code == 402
    assert response.json()["code"] == "insufficient_credits"
    assert not Campaign.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"name": "n", "body": "Use {voucher}"}, 400),
        ({"name": "n", "body": "b", "send_at": "0.5"}, 422),
        ({"name": "n", "body": "b", "send_at": 1700000000}, 422),
        ({"name": "n", "body": "b", "send_at": "2026-01-01T00:00:00+20:00"}, 422),
        ({"name": "n", "body": "b", "voucher_valid_days": 10**30}, 422),
        ({"name": "", "body": "b"}, 422),
    ],
)
def test_invalid_campaigns_are_4xx_in_the_error_shape(api, funded, customers, fields, status):
    response = _create(api, **fields)
    assert response.status_code == status, response.content
    assert response.json()["code"] and response.json()["message"]
    assert not Campaign.objects.exists()


def test_agents_may_not_send(business, customers, funded):
    from kazan.tenancy.models import Role
    from kazan.tenancy.tests.factories import MembershipFactory

    agent = Client()
    agent.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    assert agent.get(f"{API}/").status_code == 200
    response = _create(agent, name="n", body="b")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_create_with_a_channel_and_audience_and_read_them_back(
    api, funded, customers, django_capture_on_commit_callbacks
):
    # Given two of the three consenting customers carry the tag "vip"
    tag = Tag.objects.create(business=customers[0].business, name="vip")
    for customer in customers[:2]:
        customer.tags.add(tag)
    # When a campaign to the VIPs is created over the API
    counted = api.post(
        f"{API}/audience/count",
        {"channel": "sms", "audience": {"tags": [tag.pk]}},
        content_type="application/json",
    )
    assert counted.status_code == 200 and counted.json() == {"recipients": 2}
    with django_capture_on_commit_callbacks(execute=True):
        created = _create(
            api, name="VIP", body="Hi {name}", channel="sms", audience={"tags": [tag.pk]}
        )
    # Then the answer carries them, and exactly the counted customers get it
    assert created.status_code == 201, created.content
    assert created.json()["channel"] == "sms"
    assert created.json()["audience"]["tags"] == [tag.pk]
    tasks_run_all()
    after = api.get(f"{API}/{created.json()['id']}").json()
    assert after["status"] == "sent" and after["written"] == 2


@pytest.mark.parametrize(
    ("audience", "channel", "status", "code"),
    [
        ({"rating_min": 9}, "sms", 422, None),
        ({"visited_within_days": 5, "not_visited_days": 9}, "sms", 422, None),
        ({"colour": "red"}, "sms", 422, None),
        ({"tags": [999999]}, "sms", 400, "invalid_audience"),
        ({}, "carrier-pigeon", 400, "invalid_channel"),
    ],
)
def test_bad_audience_or_channel_is_a_4xx_in_the_one_error_shape(
    api, funded, customers, audience, channel, status, code
):
    for response in (
        _create(api, name="Bad", body="Hi", draft=True, channel=channel, audience=audience),
        api.post(
            f"{API}/audience/count",
            {"channel": channel, "audience": audience},
            content_type="application/json",
        ),
    ):
        assert response.status_code == status, response.content
        body = response.json()
        assert set(body) >= {"code", "message"}
        if code:
            assert body["code"] == code
    assert not Campaign.objects.exists()


def test_another_business_tag_is_refused(api, funded, customers, other_business):
    theirs = Tag.objects.create(business=other_business, name="vip")
    response = _create(api, name="X", body="Hi", audience={"tags": [theirs.pk]})
    assert response.status_code == 400 and response.json()["code"] == "invalid_audience"

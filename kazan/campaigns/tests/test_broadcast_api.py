"""Test mode (only the team's linked chats) and /api/v1/broadcasts (seed 004 §10.1): accepted
with what was queued and an id to poll, the delivery counts as they move, behind API keys with
the messaging.send permission, scoped to the key's business."""

from collections import Counter

import pytest
from django.test import Client

from kazan.activity.models import Activity
from kazan.campaigns import queries, services
from kazan.campaigns.models import Campaign, CampaignRecipient
from kazan.campaigns.testing import broadcast_save, chats_sent, team_chat_link
from kazan.channels.queries import ADMIN_ROLES
from kazan.core.errors import ValidationFailed
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/broadcasts"


@pytest.fixture
def team_chats(business, owner, bot):
    team_chat_link(business, owner, "9001")
    colleague = MembershipFactory(business=business, role=Role.MANAGER).user
    team_chat_link(business, colleague, "9002")
    return {"9001", "9002"}


@pytest.fixture
def api(business, owner):
    key = api_key_create(business=business, name="Admin panel", actor=owner)
    return Client(headers={"Authorization": f"Bearer {key.secret}"})


def test_test_mode_reaches_only_the_teams_linked_chats(
    business,
    owner,
    tg_audience,
    team_chats,
    fake_bot_api,
):
    campaign = services.broadcast_test_send(
        business=business, actor=owner, body="Hello {name}", title="News", emoji="📢"
    )
    tasks_run_all()
    assert chats_sent(fake_bot_api) == Counter({"9001": 1, "9002": 1})
    assert fake_bot_api.called("sendMessage")[0]["text"].startswith("[Test] 📢 News\n\nHello")
    assert campaign.test_mode and campaign.status == "sent"
    assert not CampaignRecipient.objects.filter(campaign=campaign).exists()
    stats = queries.broadcast_stats(business=business, campaign=campaign)
    assert (stats.recipients, stats.sent, stats.success_rate) == (2, 2, 100.0)


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.AGENT])
def test_test_mode_never_reaches_an_operators_or_agents_chat(
    business, owner, tg_audience, team_chats, fake_bot_api, role
):
    member = MembershipFactory(business=business, role=role).user
    team_chat_link(business, member, "9003")
    services.broadcast_test_send(business=business, actor=owner, body="Hello {name}")
    tasks_run_all()
    assert chats_sent(fake_bot_api) == Counter({"9001": 1, "9002": 1})


def test_test_mode_without_a_linked_chat_says_so(business, owner, tg_audience):
    with pytest.raises(ValidationFailed) as refused:
        services.broadcast_test_send(business=business, actor=owner, body="Hi")
    assert refused.value.code == "no_team_chats"


def test_post_a_broadcast_then_poll_its_delivery(
    api,
    business,
    tg_audience,
    fake_bot_api,
    django_capture_on_commit_callbacks,
    settings,
):
    settings.CRM_BROADCAST_PER_SECOND = 1000  # the pace has its own tests
    fake_bot_api.block("1003")
    with django_capture_on_commit_callbacks(execute=True):
        created = api.post(
            f"{API}/",
            {"title": "News", "message": "Hello {name}", "emoji": "📢", "testMode": False},
            content_type="application/json",
        )
    assert created.status_code == 202, created.content
    data = created.json()
    assert data["success"] is True
    assert (data["queued"], data["sent"], data["failed"], data["successRate"]) == (3, 0, 0, None)
    assert data["url"] == f"{API}/{data['id']}"
    tasks_run_all()
    tasks_run_all()
    polled = api.get(data["url"]).json()
    assert polled["status"] == "sent"
    assert (polled["sent"], polled["blocked"], polled["failed"], polled["queued"]) == (2, 1, 0, 0)
    assert polled["successRate"] == pytest.approx(66.7)
    assert Activity.objects.get(action="campaign.scheduled").actor_kind.startswith("api_key:")


def test_post_in_test_mode_goes_to_the_team_only(
    api,
    business,
    tg_audience,
    team_chats,
    fake_bot_api,
):
    created = api.post(
        f"{API}/",
        {"message": "Maintenance at 2am", "testMode": True},
        content_type="application/json",
    )
    assert created.status_code == 202, created.content
    assert created.json()["testMode"] is True
    assert created.json()["recipients"] == 2
    tasks_run_all()
    assert set(chats_sent(fake_bot_api)) == team_chats


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"message": "a" * 3901}, 400, "invalid_body"),
        ({"message": "😀" * 1951}, 400, "invalid_body"),
        ({"message": ""}, 422, "invalid"),
        ({"message": "Hi", "emoji": "abc"}, 400, "invalid_title"),
        ({"message": "Hi", "kind": "spam"}, 422, "invalid"),
        ({"message": "Hi", "testMode": True}, 400, "no_team_chats"),
    ],
)
def test_bad_broadcasts_get_a_clear_error(
    api,
    tg_audience,
    body,
    status,
    code,
):
    answer = api.post(f"{API}/", body, content_type="application/json")
    assert answer.status_code == status, answer.content
    assert answer.json()["code"] == code
    assert not Campaign.objects.exists()


def test_without_a_telegram_bot_the_api_refuses(api, consent_wordings):
    answer = api.post(f"{API}/", {"message": "Hi"}, content_type="application/json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_channel"


def test_broadcasting_needs_the_messaging_send_permission(
    business,
    tg_audience,
):
    for role in (Role.AGENT, Role.OPERATOR):
        member = Client()
        member.force_login(MembershipFactory(business=business, role=role).user)
        answer = member.post(f"{API}/", {"message": "Hi"}, content_type="application/json")
        assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    assert not Campaign.objects.exists()


def test_another_business_broadcast_is_not_found(
    api,
    business,
    owner,
    tg_audience,
    other_business,
):
    ours = broadcast_save(business, owner)
    theirs = Campaign.objects.create(
        business=other_business, name="Theirs", body="x", channel="telegram"
    )
    assert api.get(f"{API}/{ours.pk}").status_code == 200
    answer = api.get(f"{API}/{theirs.pk}")
    assert answer.status_code == 404
    assert answer.json()["code"] == "not_found"


def test_the_admin_roles_are_the_owners_and_managers():
    assert set(ADMIN_ROLES) == {Role.OWNER, Role.MANAGER}

"""The Telegram broadcast pages: compose with the live counter → preview as Telegram shows it →
send; test mode to the team; the campaign page with its delivery counts (live while sending);
who may do what."""

import pytest
from django.urls import reverse

from kazan.campaigns.models import Campaign, CampaignStatus
from kazan.campaigns.testing import broadcast_run, broadcast_save, team_chat_link
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
NEW = reverse("campaigns:broadcast_new")
TEST = reverse("campaigns:broadcast_test")


def _form(**changes) -> dict:
    data = {
        "channel": "telegram",
        "name": "Spring news",
        "kind": "offer",
        "emoji": "📢",
        "title": "News",
        "body": "Hello {name}, new packages are in.",
        "when": "now",
        "send_at": "",
        "action": "preview",
    }
    data.update(changes)
    return data


def test_without_a_telegram_bot_there_is_no_broadcast(owner_client, business):
    response = owner_client.get(NEW)
    assert response.status_code == 302
    assert "broadcast-new" not in owner_client.get(reverse("campaigns:list")).content.decode()


def test_compose_preview_as_telegram_shows_it_then_send(owner_client, business, tg_audience):
    page = owner_client.get(NEW).content.decode()
    assert 'id="chat-counter"' in page and 'data-max="3900"' in page
    assert "broadcast-new" in owner_client.get(reverse("campaigns:list")).content.decode()
    preview = owner_client.post(NEW, _form())
    assert preview.status_code == 200
    html = preview.content.decode()
    assert "📢 News\n\nHello Alex, new packages are in." in html
    assert 'id="broadcast-recipients">3<' in html
    assert not Campaign.objects.exists()
    sent = owner_client.post(NEW, _form(action="confirm"))
    campaign = Campaign.objects.get()
    assert sent.status_code == 302 and sent.url == reverse("campaigns:detail", args=[campaign.pk])
    assert (campaign.channel, campaign.title, campaign.emoji) == ("telegram", "News", "📢")
    assert campaign.status == CampaignStatus.SCHEDULED


def test_a_text_over_3900_units_is_refused_with_a_message(owner_client, tg_audience):
    response = owner_client.post(NEW, _form(body="😀" * 1951))
    assert response.status_code == 400
    assert "at most 3900 characters" in response.content.decode().replace(",", "")
    assert not Campaign.objects.exists()


def test_a_service_notice_counts_every_telegram_user(owner_client, tg_audience):
    response = owner_client.post(NEW, _form(kind="notice", body="Down at 2am."))
    assert 'id="broadcast-recipients">4<' in response.content.decode()


def test_test_mode_from_the_page_goes_to_the_team(
    owner_client, business, owner, tg_audience, fake_bot_api
):
    refused = owner_client.post(TEST, _form())
    assert refused.status_code == 400
    assert "linked their Telegram chat" in refused.content.decode()
    team_chat_link(business, owner, "9001")
    sent = owner_client.post(TEST, _form())
    assert sent.status_code == 200 and "broadcast-test-sent" in sent.content.decode()
    assert Campaign.objects.get().test_mode


def test_the_campaign_page_shows_delivery_and_stops_polling_when_done(
    owner_client, business, owner, tg_audience, fake_bot_api
):
    fake_bot_api.block("1002")
    campaign = broadcast_save(business, owner)
    page = owner_client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'hx-trigger="every 3s"' in page  # scheduled: the counts refresh
    broadcast_run(campaign)
    delivery = owner_client.get(reverse("campaigns:delivery", args=[campaign.pk]))
    html = delivery.content.decode()
    assert 'id="delivery-sent">2<' in html and 'id="delivery-blocked">1<' in html
    assert "66.7" in html and "every 3s" not in html


def test_agents_and_operators_may_not_broadcast(client, business, tg_audience):
    for role in (Role.AGENT, Role.OPERATOR):
        client.force_login(MembershipFactory(business=business, role=role).user)
        assert client.get(NEW).status_code == 403
        assert client.post(TEST, _form()).status_code == 403
    assert not Campaign.objects.exists()


def test_another_business_campaign_page_is_not_found(owner_client, other_business):
    theirs = Campaign.objects.create(business=other_business, name="x", body="y")
    assert owner_client.get(reverse("campaigns:detail", args=[theirs.pk])).status_code == 404
    assert owner_client.get(reverse("campaigns:delivery", args=[theirs.pk])).status_code == 404

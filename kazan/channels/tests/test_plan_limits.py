"""The plan's limit on connected channels (numbers and bots) holds: at the limit a connection is
refused with the plan's message and an upgrade link, before the provider is told anything; a
replacement of the channel's earlier installation counts it as gone; one business's plan never
limits another's (decision 0033)."""

import pytest
from django.urls import reverse

from kazan.billing.testing import limits_give, subscription_status_set
from kazan.channels.models import ChannelInstallation
from kazan.channels.providers.telegram.testing import telegram_connected
from kazan.channels.services import installation_connect, installation_disconnect
from kazan.channels.tests.factories import connect_fields
from kazan.core.entitlements import (
    Limit,
    PlanLimitReached,
    SubscriptionInactive,
    usage_count,
)

pytestmark = pytest.mark.django_db


def _connect(business, owner, **overrides):
    return installation_connect(
        business=business, actor=owner, provider="twilio", fields=connect_fields(**overrides)
    )


def test_connected_installations_are_what_the_limit_counts(business, owner):
    assert usage_count(business=business, key=Limit.CHANNELS) == 0
    installation = _connect(business, owner)
    assert usage_count(business=business, key=Limit.CHANNELS) == 1
    installation_disconnect(business=business, actor=owner, installation=installation)
    assert usage_count(business=business, key=Limit.CHANNELS) == 0


def test_below_the_limit_a_channel_connects(business, owner):
    limits_give(business, channels=1)
    assert _connect(business, owner).is_active


def test_at_the_limit_a_new_channel_is_refused_before_the_provider_hears_of_it(
    business, owner, fake_bot_api
):
    limits_give(business, channels=1)
    _connect(business, owner)
    with pytest.raises(PlanLimitReached) as refused:
        telegram_connected(business, fake_bot_api)
    assert refused.value.code == "plan_limit_reached"
    assert refused.value.limit == 1 and refused.value.key == Limit.CHANNELS
    assert "1 connected channel" in str(refused.value.message)
    assert "/dashboard/billing/" in refused.value.upgrade_url
    assert fake_bot_api.called("setWebhook") == []  # the bot's webhook was never moved
    assert not ChannelInstallation.objects.filter(business=business, channel="telegram").exists()


def test_replacing_the_channels_number_at_the_limit_is_allowed(business, owner):
    limits_give(business, channels=1)
    first = _connect(business, owner)
    second = _connect(business, owner, from_number="+15017122662")
    first.refresh_from_db()
    assert second.is_active and not first.is_active
    assert usage_count(business=business, key=Limit.CHANNELS) == 1


def test_a_plan_without_channels_refuses_the_first(business, owner):
    limits_give(business, channels=0)
    with pytest.raises(PlanLimitReached):
        _connect(business, owner)
    assert not ChannelInstallation.objects.exists()


def test_a_suspended_subscription_connects_nothing(business, owner):
    subscription_status_set(business)
    with pytest.raises(SubscriptionInactive):
        _connect(business, owner)


def test_one_business_at_its_limit_does_not_limit_another(business, other_business, owner):
    limits_give(business, channels=0)
    assert _connect(other_business, owner).business == other_business
    with pytest.raises(PlanLimitReached):
        _connect(business, owner, from_number="+15017122662")


def test_the_page_says_the_limit_and_links_the_upgrade(owner_client, business, owner):
    limits_give(business, channels=0)
    response = owner_client.post(reverse("channels:connect"), connect_fields())
    assert response.status_code == 402
    page = response.content.decode()
    assert 'data-plan-refused="plan_limit_reached"' in page
    assert "Your plan allows 0 connected channels." in page
    assert reverse("billing:overview") in page or "/dashboard/billing/plans/" in page
    assert not ChannelInstallation.objects.exists()

"""A team member links their own Telegram chat with a one-time deep link: "/start m_<token>"
from that chat creates the MemberChat and never starts the customer flow; used, expired or
another business's tokens link nothing."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from kazan.channels.models import InboundEvent, MemberChat, MemberLinkToken
from kazan.channels.providers.telegram.members import member_link_start
from kazan.channels.providers.telegram.testing import update_command
from kazan.channels.providers.telegram.tests.conftest import deliver
from kazan.channels.queries import member_chat_for, member_chats
from kazan.core.errors import ValidationFailed
from kazan.customers.models import ChannelIdentity, Customer
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https://t\.me/(\w+)\?start=m_([A-Za-z0-9_-]+)")


def _token(link: str) -> str:
    found = LINK.search(link)
    assert found is not None
    return found.group(2)


def test_a_member_links_their_chat_from_the_dashboard(client, business, bot, shop, fake_bot_api):
    # Given an operator (no settings rights) of the business
    operator = MembershipFactory(business=business, role=Role.OPERATOR).user
    client.force_login(operator)
    page = client.get(reverse("channels:telegram_me"))
    assert page.status_code == 200 and b"telegram-link-make" in page.content
    assert b'id="nav-telegram-me"' in page.content  # the page is in every member's menu
    # When they make a link and open it in Telegram
    response = client.post(reverse("channels:telegram_me"))
    link = LINK.search(response.content.decode())
    assert link is not None and link.group(1) == fake_bot_api.username
    token = link.group(2)
    assert len(f"m_{token}") <= 64  # Telegram's deep-link payload limit
    assert not MemberLinkToken.objects.filter(token_hash__contains=token).exists()
    deliver(client, bot, update_command("start", f"m_{token}", user_id=555001))
    # Then their chat is linked, a confirmation went out, and no customer flow started
    assert InboundEvent.objects.get().outcome == "member_linked"
    assert member_chats(business=business) == [(operator.pk, "555001")]
    assert member_chat_for(business=business, user=operator) == "555001"
    assert "Linked" in fake_bot_api.called("sendMessage")[-1]["text"]
    assert not Customer.objects.filter(business=business).exists()
    assert not ChannelIdentity.objects.filter(business=business).exists()
    page = client.get(reverse("channels:telegram_me"))
    assert b'id="telegram-linked"' in page.content
    # And unlinking forgets it
    client.post(reverse("channels:telegram_me"), {"action": "unlink"})
    assert member_chat_for(business=business, user=operator) is None


def test_a_link_works_once(client, business, owner, bot, fake_bot_api):
    token = _token(member_link_start(business=business, user=owner))
    deliver(client, bot, update_command("start", f"m_{token}", user_id=555001))
    deliver(client, bot, update_command("start", f"m_{token}", user_id=555002))
    outcomes = list(InboundEvent.objects.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["member_linked", "member_link_invalid"]
    assert member_chats(business=business) == [(owner.pk, "555001")]
    assert "not valid" in fake_bot_api.called("sendMessage")[-1]["text"]


def test_an_expired_or_replaced_link_links_nothing(client, business, owner, bot):
    old = _token(member_link_start(business=business, user=owner))
    newer = _token(member_link_start(business=business, user=owner))
    deliver(client, bot, update_command("start", f"m_{old}", user_id=555001))
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        deliver(client, bot, update_command("start", f"m_{newer}", user_id=555001))
    assert not MemberChat.objects.exists()
    assert set(InboundEvent.objects.values_list("outcome", flat=True)) == {"member_link_invalid"}


def test_another_business_token_links_nothing_here(
    client, business, other_business, bot, fake_bot_api
):
    from kazan.channels.providers.telegram.testing import telegram_installed

    telegram_installed(other_business, token="7000000003:" + "C" * 35)
    stranger = MembershipFactory(business=other_business, role=Role.OWNER).user
    token = _token(member_link_start(business=other_business, user=stranger))
    deliver(client, bot, update_command("start", f"m_{token}", user_id=555009))
    assert InboundEvent.objects.get().outcome == "member_link_invalid"
    assert member_chats(business=business) == []
    assert member_chats(business=other_business) == []


def test_a_member_who_left_is_not_among_the_member_chats(client, business, owner, bot):
    token = _token(member_link_start(business=business, user=owner))
    deliver(client, bot, update_command("start", f"m_{token}", user_id=555001))
    from kazan.tenancy.models import Membership

    Membership.objects.filter(business=business, user=owner).delete()
    assert member_chats(business=business) == []


def test_no_link_without_a_connected_bot(business, owner):
    with pytest.raises(ValidationFailed):
        member_link_start(business=business, user=owner)

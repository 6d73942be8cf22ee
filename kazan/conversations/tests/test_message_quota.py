"""The plan's monthly messages (decision 0033): every customer message the bot handles is
counted; past the month's messages nothing is lost — the message is kept, the flow does not
run, the thread waits for the team, and the customer hears once a month that a person will
answer."""

import pytest

from kazan.activity.models import Activity
from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limits_give, subscription_status_set
from kazan.conversations.models import Conversation, ConversationMessage, Status
from kazan.conversations.tests.factories import flow_bound
from kazan.conversations.tests.test_receive import SHOP, _send, _texts
from kazan.core.entitlements import Quota

pytestmark = pytest.mark.django_db

NOTICE = (
    "Thank you for your message. A member of our team will answer you here as soon as possible."
)


@pytest.fixture
def shop(business):
    return flow_bound(business, SHOP)


def test_each_customer_message_counts_and_a_page_load_does_not(business, shop):
    _send(business, "", channel="web", handle="visitor-1")  # the web chat opening
    _send(business, "hi")
    assert _texts(_send(business, "1").replies)[0] == "9 to 5."
    assert quota_used(business=business, key=Quota.MESSAGES) == 2


def test_past_the_months_messages_the_team_gets_the_thread_and_the_customer_one_notice(
    business, shop
):
    limits_give(business, messages=1)
    assert "Hi, this is the shop." in _texts(_send(business, "hi").replies)
    received = _send(business, "1")
    assert _texts(received.replies) == [NOTICE]
    thread = Conversation.objects.get()
    assert thread.status == Status.OPEN and thread.session.end_reason == "handoff"
    kept = ConversationMessage.objects.get(conversation=thread, direction="in", text="1")
    assert kept.author_kind == "customer"
    assert Activity.objects.filter(action="conversation.handed_off").exists()
    assert quota_used(business=business, key=Quota.MESSAGES) == 1  # refused: not counted

    # The team resolves it; the customer writes again this month: kept, no second notice.
    Conversation.objects.filter(pk=thread.pk).update(status=Status.RESOLVED)
    assert _send(business, "still there?").replies == []
    thread.refresh_from_db()
    assert thread.status == Status.OPEN
    assert ConversationMessage.objects.filter(conversation=thread, text="still there?").exists()


def test_the_notice_comes_again_the_next_month(business, shop, time_machine):
    time_machine.move_to("2026-11-20 12:00Z")
    limits_give(business, messages=0)
    assert _texts(_send(business, "hi").replies) == [NOTICE]
    Conversation.objects.update(status=Status.RESOLVED)
    time_machine.move_to("2026-12-02 12:00Z")
    assert _texts(_send(business, "hi").replies) == [NOTICE]


def test_another_customer_gets_its_own_notice(business, shop):
    limits_give(business, messages=0)
    assert _texts(_send(business, "hi").replies) == [NOTICE]
    assert _texts(_send(business, "hi", handle="+4915100000009").replies) == [NOTICE]


def test_a_thread_the_team_holds_is_not_disturbed(business, shop):
    _send(business, "hi")
    _send(business, "2")  # hand-off to a person
    limits_give(business, messages=0)
    assert _send(business, "hello?").replies == []


def test_a_suspended_subscription_hands_every_message_to_the_team(business, shop):
    subscription_status_set(business)
    assert _texts(_send(business, "hi").replies) == [NOTICE]
    assert Conversation.objects.get().status == Status.OPEN


def test_an_expired_web_chats_one_message_counts_once(business, shop):
    from kazan.channels.chat_turn import chat_turn

    turn = chat_turn(
        business=business,
        channel="web",
        key="a-purged-handle",  # nobody is behind it: a new thread under a new handle
        action="message",
        text="hi",
        payload=None,
        language="",
        meta={},
    )
    assert turn.started
    assert quota_used(business=business, key=Quota.MESSAGES) == 1


def test_a_providers_retry_counts_nothing_more(business, shop, monkeypatch):
    from kazan.conversations import services

    _send(business, "hi", provider_message_id="twilio:SM1")
    assert quota_used(business=business, key=Quota.MESSAGES) == 1
    # The retry arrives while the first is still in its turn: the check before the turn misses
    # it, the one inside the locked turn drops it.
    checks = iter([False])
    known = services._provider_message_known
    monkeypatch.setattr(
        services, "_provider_message_known", lambda b, m: next(checks, None) or known(b, m)
    )
    assert _send(business, "hi", provider_message_id="twilio:SM1").duplicate
    assert quota_used(business=business, key=Quota.MESSAGES) == 1


def test_messages_into_a_thread_the_team_holds_are_not_counted(business, shop):
    _send(business, "hi")
    _send(business, "2")  # hand-off to a person
    used = quota_used(business=business, key=Quota.MESSAGES)
    assert _send(business, "hello?").replies == []
    assert quota_used(business=business, key=Quota.MESSAGES) == used

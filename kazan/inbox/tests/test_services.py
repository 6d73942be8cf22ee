from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.activity.models import Activity
from kazan.conversations.models import ConversationMessage, Status
from kazan.conversations.queries import agent_replies_after
from kazan.core.errors import InsufficientCredits, NotFound, ValidationFailed
from kazan.inbox import services
from kazan.inbox.models import CannedResponse
from kazan.inbox.tests.factories import canned, thread
from kazan.messaging.models import OutboundMessage
from kazan.messaging.queries import sms_balance
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def _actions(business) -> list[str]:
    return list(
        Activity.objects.filter(business=business).order_by("id").values_list("action", flat=True)
    )


def test_a_web_reply_is_logged_as_the_agents_and_reaches_the_visitors_chat(
    business, owner, django_capture_on_commit_callbacks
):
    # given a web visitor's thread with the bot
    conversation = thread(business, channel="web", status=Status.BOT)
    # when an agent replies
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = services.inbox_reply(
            business=business, conversation=conversation, text=" On my way! ", actor=owner
        )
    # then the reply is logged as theirs, with no outbox row (the web chat has no sender)...
    assert message.direction == ConversationMessage.Direction.OUT
    assert message.author_kind == ConversationMessage.Author.AGENT
    assert message.author == owner
    assert message.text == "On my way!"
    assert message.payload == {"replies": [{"type": "text", "text": "On my way!"}]}
    assert message.outbound is None
    assert not OutboundMessage.objects.filter(business=business).exists()
    # ...the visitor's chat finds it, a person has the thread now, read up to now...
    assert agent_replies_after(business=business, conversation=conversation, after=0) == [message]
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN
    assert conversation.team_read_at >= conversation.last_inbound_at
    assert conversation.last_message_at == conversation.team_read_at
    # ...recorded, and announced after the commit.
    assert _actions(business) == ["inbox.replied"]
    assert len(callbacks) == 1


def test_an_sms_reply_goes_through_the_outbox_to_the_customers_number(business, owner):
    credits_given(business, 5)
    conversation = thread(business, channel="sms", handle="+4915112345678")
    message = services.inbox_reply(
        business=business, conversation=conversation, text="Table for two at 8?", actor=owner
    )
    outbound = OutboundMessage.objects.get(business=business)
    assert message.outbound == outbound
    assert outbound.to == "+4915112345678"
    assert outbound.body == "Table for two at 8?"
    assert outbound.payload == {"replies": [{"type": "text", "text": "Table for two at 8?"}]}
    assert sms_balance(business=business) == 4


def test_an_sms_reply_without_credits_is_refused_and_nothing_is_logged(business, owner):
    conversation = thread(business, channel="sms")
    with pytest.raises(InsufficientCredits):
        services.inbox_reply(
            business=business, conversation=conversation, text="Hello", actor=owner
        )
    assert not ConversationMessage.objects.filter(
        conversation=conversation, direction=ConversationMessage.Direction.OUT
    ).exists()
    assert _actions(business) == []


@pytest.mark.parametrize(
    ("channel", "text", "code"),
    [
        ("web", "   ", "empty"),
        ("web", "x" * 1001, "too_long"),
        ("sms", "x" * 1601, "too_long"),
    ],
)
def test_a_reply_the_channel_cannot_carry_is_refused(business, owner, channel, text, code):
    credits_given(business, 50)
    conversation = thread(business, channel=channel)
    with pytest.raises(ValidationFailed) as refused:
        services.inbox_reply(business=business, conversation=conversation, text=text, actor=owner)
    assert refused.value.code == code


def test_a_reply_to_another_business_thread_is_not_found(business, other_business, owner):
    conversation = thread(other_business, channel="web")
    with pytest.raises(NotFound):
        services.inbox_reply(business=business, conversation=conversation, text="Hi", actor=owner)


def test_a_note_stays_inside_the_team(business, owner):
    conversation = thread(business, channel="web")
    note = services.inbox_note(
        business=business, conversation=conversation, text="Regular, likes oat milk", actor=owner
    )
    assert note.direction == ConversationMessage.Direction.NOTE
    assert note.author == owner
    assert agent_replies_after(business=business, conversation=conversation, after=0) == []
    assert not OutboundMessage.objects.exists()
    assert _actions(business) == ["inbox.noted"]


def test_a_thread_is_assigned_to_members_only(business, other_business, owner):
    conversation = thread(business)
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    outsider = MembershipFactory(business=other_business).user
    services.inbox_assign(business=business, conversation=conversation, assignee=agent, actor=owner)
    conversation.refresh_from_db()
    assert conversation.assignee == agent
    with pytest.raises(ValidationFailed) as refused:
        services.inbox_assign(
            business=business, conversation=conversation, assignee=outsider, actor=owner
        )
    assert refused.value.code == "not_member"
    services.inbox_assign(business=business, conversation=conversation, assignee=None, actor=owner)
    conversation.refresh_from_db()
    assert conversation.assignee is None
    assert _actions(business) == ["inbox.assigned", "inbox.assigned"]


def test_status_changes_and_a_snooze_needs_a_future_time(business, owner):
    conversation = thread(business)
    now = timezone.now()
    with pytest.raises(ValidationFailed) as past:
        services.inbox_status_set(
            business=business,
            conversation=conversation,
            status=Status.SNOOZED,
            snoozed_until=now - timedelta(minutes=1),
            actor=owner,
        )
    assert past.value.code == "invalid_time"
    with pytest.raises(ValidationFailed) as unknown:
        services.inbox_status_set(
            business=business, conversation=conversation, status="archived", actor=owner
        )
    assert unknown.value.code == "invalid_status"
    later = now + timedelta(hours=2)
    services.inbox_status_set(
        business=business,
        conversation=conversation,
        status=Status.SNOOZED,
        snoozed_until=later,
        actor=owner,
    )
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.SNOOZED, later)
    services.inbox_status_set(
        business=business, conversation=conversation, status=Status.RESOLVED, actor=owner
    )
    conversation.refresh_from_db()
    assert (conversation.status, conversation.snoozed_until) == (Status.RESOLVED, None)
    entries = Activity.objects.filter(business=business).order_by("id")
    assert [e.data for e in entries] == [
        {"old": "open", "new": "snoozed"},
        {"old": "snoozed", "new": "resolved"},
    ]


def test_giving_back_to_the_bot_unassigns_and_wakes_nothing(business, owner):
    conversation = thread(business, assignee=owner, snoozed_until=None)
    services.inbox_give_back(business=business, conversation=conversation, actor=owner)
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT
    assert conversation.assignee is None
    assert _actions(business) == ["inbox.given_back"]


def test_reading_marks_the_thread_read_without_an_activity_row(business):
    conversation = thread(business)
    services.inbox_read(business=business, conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.team_read_at > conversation.last_inbound_at
    assert _actions(business) == []


def test_canned_responses_are_created_changed_and_deleted_per_business(
    business, other_business, owner
):
    response = services.canned_response_create(
        business=business, title="Hours", text="9 to 5", actor=owner
    )
    # the same title in another business is fine, twice in one is not
    canned(other_business, title="Hours")
    with pytest.raises(ValidationFailed) as duplicate:
        services.canned_response_create(business=business, title="Hours", text="x", actor=owner)
    assert duplicate.value.code == "duplicate"
    with pytest.raises(ValidationFailed):
        services.canned_response_create(business=business, title="", text="x", actor=owner)
    services.canned_response_update(
        business=business, response=response, title="Opening hours", text="9 to 6", actor=owner
    )
    response.refresh_from_db()
    assert (response.title, response.text) == ("Opening hours", "9 to 6")
    services.canned_response_delete(business=business, response=response, actor=owner)
    assert not CannedResponse.objects.filter(business=business).exists()
    assert _actions(business) == [
        "inbox.canned_created",
        "inbox.canned_updated",
        "inbox.canned_deleted",
    ]

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from kazan.conversations.models import ConversationMessage, Status
from kazan.inbox import services
from kazan.inbox.models import CannedResponse
from kazan.inbox.tests.factories import canned, thread
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent_client(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)
    return client


def _url(name: str, conversation) -> str:
    return reverse(f"inbox:{name}", kwargs={"conversation_id": conversation.pk})


def test_an_agent_sees_the_list_with_the_unread_count_in_the_navigation(agent_client, business):
    thread(business, said="Are you open on Sunday?")
    response = agent_client.get(reverse("inbox:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Are you open on Sunday?" in body
    assert '<span class="badge warn" id="nav-inbox-unread">1</span>' in body
    assert 'data-inbox-events="/dashboard/inbox/events"' in body


def test_the_list_does_not_query_per_row(owner_client, business):
    def queries_for_list() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            assert owner_client.get(reverse("inbox:list"), {"status": "all"}).status_code == 200
        return len(captured)

    thread(business, channel="web")
    few = queries_for_list()
    for n in range(12):
        thread(business, channel="sms" if n % 2 else "web", assignee=None)
    assert queries_for_list() == few


def test_the_htmx_refetch_gets_the_list_alone(owner_client, business):
    thread(business, said="Hi")
    response = owner_client.get(reverse("inbox:list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.startswith('<div id="inbox-list"')
    assert "<html" not in body
    # the navigation's unread count comes along, swapped in out of band
    assert 'id="nav-inbox-unread" hx-swap-oob="true">1</span>' in body
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "query", [{"status": "archived"}, {"channel": "fax"}, {"assignee": "999999"}]
)
def test_unknown_filters_are_a_400(owner_client, query):
    response = owner_client.get(reverse("inbox:list"), query)
    assert response.status_code == 400


def test_the_thread_shows_who_said_what_and_marks_it_read(owner_client, business, owner):
    conversation = thread(business, channel="sms", handle="+4915112345678", said="Hi there")
    ConversationMessage.objects.create(
        business=business,
        conversation=conversation,
        direction=ConversationMessage.Direction.OUT,
        author_kind=ConversationMessage.Author.BOT,
        text="A person will answer soon.",
    )
    services.inbox_note(
        business=business, conversation=conversation, text="Called yesterday", actor=owner
    )
    response = owner_client.get(_url("thread", conversation))
    body = response.content.decode()
    assert response.status_code == 200
    assert "+49••••678" in body and "+4915112345678" not in body
    assert "Hi there" in body and "A person will answer soon." in body
    assert 'class="inbox-msg inbox-msg-note"' in body and "Internal note" in body
    conversation.refresh_from_db()
    assert conversation.team_read_at > conversation.last_inbound_at


@pytest.mark.parametrize("role", [Role.OWNER, Role.MANAGER, Role.AGENT])
def test_every_role_answers(client, business, role):
    client.force_login(MembershipFactory(business=business, role=role).user)
    conversation = thread(business, channel="web")
    assert client.get(_url("thread", conversation)).status_code == 200
    response = client.post(_url("reply", conversation), {"text": "Coming!"})
    assert response.status_code == 302
    assert response["Location"] == _url("thread", conversation)
    assert conversation.messages.filter(text="Coming!", author_kind="agent").exists()


@pytest.mark.parametrize(
    ("text", "status", "message"),
    [
        ("", 400, "Please write a reply."),
        ("x" * 1001, 400, "The reply is too long for this channel (at most 1000 characters)."),
    ],
)
def test_a_bad_reply_is_a_400_that_keeps_the_text(owner_client, business, text, status, message):
    conversation = thread(business, channel="web")
    response = owner_client.post(_url("reply", conversation), {"text": text})
    assert response.status_code == status
    body = response.content.decode()
    assert message in body
    assert not conversation.messages.filter(author_kind="agent").exists()


def test_an_sms_reply_without_credits_says_so(owner_client, business):
    conversation = thread(business, channel="sms")
    response = owner_client.post(_url("reply", conversation), {"text": "We have a table"})
    assert response.status_code == 402
    body = response.content.decode()
    assert "Not enough SMS credits" in body
    assert "We have a table" in body  # the typed reply is kept


def test_an_sms_reply_with_credits_is_queued(owner_client, business):
    credits_given(business, 3)
    conversation = thread(business, channel="sms")
    response = owner_client.post(_url("reply", conversation), {"text": "We have a table"})
    assert response.status_code == 302
    assert conversation.messages.get(author_kind="agent").outbound is not None


def test_assigning_a_non_member_is_a_400(owner_client, business, other_business):
    conversation = thread(business)
    outsider = MembershipFactory(business=other_business).user
    response = owner_client.post(_url("assign", conversation), {"assignee": str(outsider.pk)})
    assert response.status_code == 400
    assert "Choose a member of your team." in response.content.decode()
    member = MembershipFactory(business=business, role=Role.AGENT).user
    response = owner_client.post(_url("assign", conversation), {"assignee": member.pk})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.assignee == member


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"status": "archived"}, "Choose a valid status."),
        ({"status": "bot"}, "Choose a valid status."),
        ({"status": "snoozed", "snoozed_until": "2020-01-01T10:00"}, "in the future"),
        ({"status": "snoozed"}, "in the future"),
        ({"status": "snoozed", "snoozed_until": "next tuesday"}, "valid date and time"),
    ],
)
def test_a_bad_status_change_is_a_400(owner_client, business, data, message):
    conversation = thread(business)
    response = owner_client.post(_url("status", conversation), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_snoozing_reads_the_time_in_the_business_time_zone(owner_client, business):
    conversation = thread(business)
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1), ZoneInfo(business.timezone))
    response = owner_client.post(
        _url("status", conversation),
        {"status": "snoozed", "snoozed_until": tomorrow.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.SNOOZED
    assert abs(conversation.snoozed_until - tomorrow) < timedelta(minutes=1)


def test_give_back_and_note(owner_client, business):
    conversation = thread(business)
    assert owner_client.post(_url("note", conversation), {"text": ""}).status_code == 400
    assert owner_client.post(_url("note", conversation), {"text": "VIP"}).status_code == 302
    assert owner_client.post(_url("give_back", conversation)).status_code == 302
    conversation.refresh_from_db()
    assert conversation.status == Status.BOT


def test_another_business_thread_is_a_404(owner_client, other_business):
    conversation = thread(other_business)
    for name in ("thread", "messages"):
        assert owner_client.get(_url(name, conversation)).status_code == 404
    for name in ("reply", "note", "assign", "status", "give_back"):
        assert owner_client.post(_url(name, conversation), {"text": "x"}).status_code == 404


def test_canned_responses_page(owner_client, business, other_business):
    others = canned(other_business, title="Secret of B")
    assert owner_client.post(reverse("inbox:canned"), {"title": "", "text": "x"}).status_code == 400
    assert (
        owner_client.post(reverse("inbox:canned"), {"title": "Hours", "text": "9-5"}).status_code
        == 302
    )
    response = owner_client.get(reverse("inbox:canned"))
    assert "Hours" in response.content.decode()
    assert "Secret of B" not in response.content.decode()
    mine = CannedResponse.objects.get(business=business)
    edit = reverse("inbox:canned_edit", kwargs={"response_id": mine.pk})
    assert owner_client.post(edit, {"title": "Hours", "text": ""}).status_code == 400
    assert owner_client.post(edit, {"title": "Hours", "text": "9-6"}).status_code == 302
    other_edit = reverse("inbox:canned_edit", kwargs={"response_id": others.pk})
    assert owner_client.post(other_edit, {"title": "x", "text": "y"}).status_code == 404
    delete = reverse("inbox:canned_delete", kwargs={"response_id": mine.pk})
    assert owner_client.post(delete).status_code == 302
    assert not CannedResponse.objects.filter(business=business).exists()


def test_canned_responses_are_offered_in_the_reply_box(owner_client, business):
    canned(business, title="Directions", text="Take the U2 to Alexanderplatz.")
    response = owner_client.get(_url("thread", thread(business)))
    body = response.content.decode()
    assert 'data-canned="reply-text"' in body
    assert '<option value="Take the U2 to Alexanderplatz.">Directions</option>' in body


def test_the_event_stream_says_ready_first(owner_client, settings):
    settings.INBOX_STREAM_SECONDS = 0  # says what it has, then ends
    response = owner_client.get(reverse("inbox:events"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("retry: 2000\n\n")
    assert "event: ready\n" in text


def test_the_event_stream_is_for_members_only(client, business):
    assert client.get(reverse("inbox:events")).status_code == 302  # to the login

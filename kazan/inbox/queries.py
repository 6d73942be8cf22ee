"""Team inbox reads, always scoped to a business. The threads are the conversations app's
tables, read through its queries; this module knows the inbox's filters and what a row shows.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.conversations import queries as conversation_queries
from kazan.conversations.choices import Status
from kazan.core.errors import NotFound
from kazan.core.masking import phone_mask
from kazan.inbox.models import CannedResponse
from kazan.tenancy.queries import memberships_by_name

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.conversations.models import Conversation, ConversationMessage
    from kazan.tenancy.models import Business

MINE = "mine"
UNASSIGNED = "unassigned"
ALL = "all"
# The list's status filter: the model's statuses, where "open" includes woken snoozes.
STATUS_FILTERS = (Status.OPEN, Status.PENDING, Status.SNOOZED, Status.BOT, Status.RESOLVED)
# The statuses in which a person, not the bot, has the thread.
WITH_PERSON = (Status.OPEN, Status.PENDING, Status.SNOOZED)


@dataclass(frozen=True)
class InboxFilters:
    """The list's filters, already checked (views.inbox_list parses the query string)."""

    status: str = Status.OPEN  # one of STATUS_FILTERS, or ALL
    channel: str = ""  # "" = every channel
    assignee: str = ""  # "" = anyone, MINE, UNASSIGNED, or a member's user id as text


def inbox_conversations(
    *,
    business: "Business",
    filters: InboxFilters,
    viewer: "User",
    now: datetime | None = None,
) -> "QuerySet[Conversation]":
    """The threads of the list, newest activity first, each with what its row shows."""
    assignee_id = None
    if filters.assignee == MINE:
        assignee_id = viewer.pk
    elif filters.assignee and filters.assignee != UNASSIGNED:
        assignee_id = int(filters.assignee)
    return conversation_queries.threads_for_team(
        business=business,
        now=now or timezone.now(),
        status=None if filters.status == ALL else filters.status,
        channel=filters.channel,
        assignee_id=assignee_id,
        unassigned=filters.assignee == UNASSIGNED,
    )


def inbox_unread_count(*, business: "Business", now: datetime | None = None) -> int:
    """Threads needing a person whose customer wrote after the team last read them."""
    return conversation_queries.threads_unread_count(business=business, now=now or timezone.now())


def inbox_thread(*, business: "Business", conversation_id: int) -> "Conversation":
    """One thread of the business (NotFound for another business's id)."""
    return conversation_queries.thread_get(business=business, conversation_id=conversation_id)


def inbox_messages(
    *, business: "Business", conversation: "Conversation"
) -> "QuerySet[ConversationMessage]":
    """The whole thread in order, with each message's author (which agent) loaded."""
    return conversation_queries.thread_messages(business=business, conversation=conversation)


def inbox_members(*, business: "Business") -> list["User"]:
    """The users a thread can be assigned to: members of this business only."""
    return [membership.user for membership in memberships_by_name(business=business)]


def canned_responses(*, business: "Business") -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(business=business).order_by("title", "id")


def canned_response_get(*, business: "Business", response_id: int) -> CannedResponse:
    response = CannedResponse.objects.filter(business=business, pk=response_id).first()
    if response is None:
        raise NotFound()
    return response


def status_shown(conversation: "Conversation", now: datetime | None = None) -> str:
    """The status the team sees: a snooze whose time has come reads as open."""
    now = now or timezone.now()
    if (
        conversation.status == Status.SNOOZED
        and conversation.snoozed_until is not None
        and conversation.snoozed_until <= now
    ):
        return Status.OPEN
    return conversation.status


def who(conversation: "Conversation") -> tuple[str, str]:
    """(name, masked handle) of the person in the thread, as far as the team may see them: the
    customer's name, else what the channel calls them; a phone number masked, a web visitor's
    session token never shown."""
    identity = conversation.identity
    name = (conversation.customer.name if conversation.customer else "") or (
        identity.display_name if identity else ""
    )
    handle = ""
    if conversation.channel == "sms" and identity is not None:
        handle = phone_mask(identity.external_id)
    elif conversation.customer is not None:
        handle = conversation.customer.phone_masked
    return name or str(_("Visitor")), handle

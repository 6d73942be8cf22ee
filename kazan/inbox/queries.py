"""Team inbox reads, always scoped to a business.

A snoozed thread wakes by a rule at query time, not by a job: once `snoozed_until` has passed
it counts as needing a person (the list, the filters and the unread count agree), and nothing
has to run on time for that.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, ExpressionWrapper, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.conversations.models import Conversation, ConversationMessage, Status
from kazan.core.errors import NotFound
from kazan.core.masking import phone_mask
from kazan.inbox.models import CannedResponse
from kazan.tenancy.models import Membership

MINE = "mine"
UNASSIGNED = "unassigned"
ALL = "all"
# The list's status filter: the model's statuses, where "open" includes woken snoozes.
STATUS_FILTERS = (Status.OPEN, Status.PENDING, Status.SNOOZED, Status.BOT, Status.RESOLVED)


def needs_person(now: datetime) -> Q:
    """Threads a person should answer: open, or snoozed until a time that has come."""
    return Q(status=Status.OPEN) | Q(status=Status.SNOOZED, snoozed_until__lte=now)


def _status_q(status: str, now: datetime) -> Q:
    if status == Status.OPEN:
        return needs_person(now)
    if status == Status.SNOOZED:
        return Q(status=Status.SNOOZED, snoozed_until__gt=now)
    return Q(status=status)


def _unread_q() -> Q:
    return Q(last_inbound_at__isnull=False) & (
        Q(team_read_at__isnull=True) | Q(last_inbound_at__gt=F("team_read_at"))
    )


@dataclass(frozen=True)
class InboxFilters:
    """The list's filters, already checked (views.inbox_list parses the query string)."""

    status: str = Status.OPEN  # one of STATUS_FILTERS, or ALL
    channel: str = ""  # "" = every channel
    assignee: str = ""  # "" = anyone, MINE, UNASSIGNED, or a member's user id as text


def inbox_conversations(
    *, business, filters: InboxFilters, viewer, now: datetime | None = None
) -> QuerySet[Conversation]:
    """The threads of the list, newest activity first, with what a row shows loaded in the
    same query (customer, identity, assignee, the last message's text and author): no N+1."""
    now = now or timezone.now()
    rows = Conversation.objects.filter(business=business)
    if filters.status != ALL:
        rows = rows.filter(_status_q(filters.status, now))
    if filters.channel:
        rows = rows.filter(channel=filters.channel)
    if filters.assignee == MINE:
        rows = rows.filter(assignee=viewer)
    elif filters.assignee == UNASSIGNED:
        rows = rows.filter(assignee__isnull=True)
    elif filters.assignee:
        rows = rows.filter(assignee_id=int(filters.assignee))
    last = ConversationMessage.objects.filter(
        business=business, conversation=OuterRef("pk")
    ).order_by("-created_at", "-id")
    return (
        rows.select_related("customer", "identity", "assignee")
        .annotate(
            last_text=Subquery(last.values("text")[:1]),
            last_direction=Subquery(last.values("direction")[:1]),
            unread=ExpressionWrapper(_unread_q() & needs_person(now), BooleanField()),
        )
        .order_by(F("last_message_at").desc(nulls_last=True), "-updated_at", "-id")
    )


def inbox_unread_count(*, business, now: datetime | None = None) -> int:
    """Threads needing a person whose customer wrote after the team last read them."""
    now = now or timezone.now()
    return (
        Conversation.objects.filter(business=business)
        .filter(needs_person(now))
        .filter(_unread_q())
        .count()
    )


def inbox_thread(*, business, conversation_id: int) -> Conversation:
    """One thread of the business (NotFound for another business's id)."""
    thread = (
        Conversation.objects.filter(business=business, pk=conversation_id)
        .select_related("customer", "identity", "assignee")
        .first()
    )
    if thread is None:
        raise NotFound()
    return thread


def inbox_messages(*, business, conversation: Conversation) -> QuerySet[ConversationMessage]:
    """The whole thread in order, with each message's author (which agent) loaded."""
    return (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .select_related("author", "outbound")
        .order_by("created_at", "id")
    )


def inbox_members(*, business) -> list:
    """The users a thread can be assigned to: members of this business only."""
    return [
        membership.user
        for membership in Membership.objects.filter(business=business)
        .select_related("user")
        .order_by("user__name", "user_id")
    ]


def canned_responses(*, business) -> QuerySet[CannedResponse]:
    return CannedResponse.objects.filter(business=business).order_by("title", "id")


def canned_response_get(*, business, response_id: int) -> CannedResponse:
    response = CannedResponse.objects.filter(business=business, pk=response_id).first()
    if response is None:
        raise NotFound()
    return response


def status_shown(conversation: Conversation, now: datetime | None = None) -> str:
    """The status the team sees: a snooze whose time has come reads as open."""
    now = now or timezone.now()
    if (
        conversation.status == Status.SNOOZED
        and conversation.snoozed_until is not None
        and conversation.snoozed_until <= now
    ):
        return Status.OPEN
    return conversation.status


def who(conversation: Conversation) -> tuple[str, str]:
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


# How many of the team's replies one poll of the visitor's chat returns at most.
AGENT_REPLIES_BATCH = 50
# The statuses in which a person, not the bot, has the thread.
WITH_PERSON = (Status.OPEN, Status.PENDING, Status.SNOOZED)


def agent_replies_after(*, business, conversation: Conversation, after: int) -> list:
    """The team's replies to the customer with an id above `after`, oldest first: what the
    visitor's open web chat has not shown yet. Internal notes are never among them."""
    return list(
        ConversationMessage.objects.filter(
            business=business,
            conversation=conversation,
            direction=ConversationMessage.Direction.OUT,
            author_kind=ConversationMessage.Author.AGENT,
            pk__gt=after,
        ).order_by("id")[:AGENT_REPLIES_BATCH]
    )


def thread_cursor(*, business, conversation: Conversation) -> int:
    """The id of the thread's last message (0 if none): where a newly opened chat starts."""
    last = (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return last or 0

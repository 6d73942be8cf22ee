"""Conversation reads, always scoped to a business (the team inbox's lists and threads too: it
reads the conversations' tables only through here)."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from kazan.conversations import engine
from kazan.conversations.choices import MessageAuthor, MessageDirection, Status
from kazan.conversations.models import (
    BotSettings,
    Conversation,
    ConversationMessage,
    ConversationSession,
)
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business


def conversation_for_handle(
    *, business: "Business", channel: str, handle: str
) -> Conversation | None:
    """The thread with the person behind a channel handle (None if they never wrote)."""
    from kazan.customers.identities import identity_index_for

    return (
        Conversation.objects.filter(
            business=business,
            identity__channel=channel,
            identity__external_index=identity_index_for(channel, handle),
        )
        .select_related("session__flow_version", "customer")
        .first()
    )


def conversation_log(*, business: "Business", conversation: Conversation) -> list[engine.Reply]:
    """The whole thread as replies again, for a channel that shows its history (a page reload):
    the customer's messages as {"type": "user"}, then what was answered (internal notes never).
    Only the last input request stays actionable, and only while the session waits on it."""
    replies: list[engine.Reply] = []
    for message in (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .exclude(direction=MessageDirection.NOTE)
        .order_by("created_at", "id")
    ):
        if message.direction == MessageDirection.IN:
            if message.text:
                replies.append({"type": "user", "text": message.text})
        else:
            replies.extend(message.payload.get("replies", []))
    answered = [r for r in replies if r.get("type") not in ("input", "choices")]
    session = conversation.session
    waiting = session is not None and session.running and session.waiting
    if waiting and replies and replies[-1].get("type") in ("input", "choices"):
        answered.append(replies[-1])
    return answered


def conversation_pending(*, business: "Business", conversation: Conversation) -> list[engine.Reply]:
    """The question the thread's running session waits on (empty when it waits on nothing)."""
    session = conversation.session
    if (
        conversation.business_id != business.pk
        or session is None
        or not session.running
        or session.flow_version is None
    ):
        return []
    ctx = engine.Context(business, conversation, session)
    return engine.pending(ctx, session.flow_version.definition)


def conversations_for_customer(
    *, business: "Business", customer: "Customer"
) -> QuerySet[Conversation]:
    """The customer's threads, newest first, with their sessions and messages."""
    return (
        Conversation.objects.filter(business=business, customer=customer)
        .prefetch_related(
            "messages",
            Prefetch(
                "sessions",
                ConversationSession.objects.select_related("flow_version__flow").order_by(
                    "started_at", "id"
                ),
            ),
        )
        .order_by("-created_at")
    )


def bot_settings_get(*, business: "Business") -> BotSettings:
    """The business's fallback chain; until it saves its own, the defaults (unsaved), which is
    what the engine runs with for it too."""
    return BotSettings.objects.filter(business=business).first() or BotSettings(business=business)


# --- the team's view of the threads (the inbox) -------------------------------------------------
#
# A snoozed thread wakes by a rule at query time, not by a job: once `snoozed_until` has passed
# it counts as needing a person (the list, the filters and the unread count agree), and nothing
# has to run on time for that.


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


def threads_for_team(
    *,
    business: "Business",
    now: datetime,
    status: str | None = None,
    channel: str = "",
    assignee_id: int | None = None,
    unassigned: bool = False,
) -> QuerySet[Conversation]:
    """The threads of the inbox's list (`status` None: every status), newest activity first,
    with what a row shows loaded in the same query (customer, identity, assignee, the last
    message's text and author, whether it is unread): no N+1."""
    rows = Conversation.objects.filter(business=business)
    if status is not None:
        rows = rows.filter(_status_q(status, now))
    if channel:
        rows = rows.filter(channel=channel)
    if unassigned:
        rows = rows.filter(assignee__isnull=True)
    elif assignee_id is not None:
        rows = rows.filter(assignee_id=assignee_id)
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


def threads_unread_count(*, business: "Business", now: datetime) -> int:
    """Threads needing a person whose customer wrote after the team last read them."""
    return (
        Conversation.objects.filter(business=business)
        .filter(needs_person(now))
        .filter(_unread_q())
        .count()
    )


def thread_get(*, business: "Business", conversation_id: int) -> Conversation:
    """One thread of the business (NotFound for another business's id)."""
    thread = (
        Conversation.objects.filter(business=business, pk=conversation_id)
        .select_related("customer", "identity", "assignee")
        .first()
    )
    if thread is None:
        raise NotFound()
    return thread


def thread_messages(
    *, business: "Business", conversation: Conversation
) -> QuerySet[ConversationMessage]:
    """The whole thread in order, with each message's author (which agent) loaded."""
    return (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .select_related("author", "outbound")
        .order_by("created_at", "id")
    )


def threads_changed_since(
    *, business_id: int, since: datetime, limit: int
) -> list[tuple[int, datetime]]:
    """(id, updated_at) of the business's threads changed after `since`, oldest change first:
    what the inbox's live stream polls without Redis."""
    return list(
        Conversation.objects.filter(business_id=business_id, updated_at__gt=since)
        .order_by("updated_at", "id")
        .values_list("id", "updated_at")[:limit]
    )


# How many of the team's replies one poll of the visitor's chat returns at most.
AGENT_REPLIES_BATCH = 50


def agent_replies_after(
    *, business: "Business", conversation: Conversation, after: int
) -> list[ConversationMessage]:
    """The team's replies to the customer with an id above `after`, oldest first: what the
    visitor's open web chat has not shown yet. Internal notes are never among them."""
    return list(
        ConversationMessage.objects.filter(
            business=business,
            conversation=conversation,
            direction=MessageDirection.OUT,
            author_kind=MessageAuthor.AGENT,
            pk__gt=after,
        ).order_by("id")[:AGENT_REPLIES_BATCH]
    )


def thread_cursor(*, business: "Business", conversation: Conversation) -> int:
    """The id of the thread's last message (0 if none): where a newly opened chat starts."""
    last = (
        ConversationMessage.objects.filter(business=business, conversation=conversation)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return last or 0


def conversations_started_count(*, business: "Business", since: datetime, until: datetime) -> int:
    """How many conversations began in [since, until) on any channel (the sales metrics'
    conversion from conversation to order)."""
    return Conversation.objects.filter(
        business=business, created_at__gte=since, created_at__lt=until
    ).count()


def session_state_previous(
    *, business: "Business", conversation: Conversation, session: ConversationSession
) -> dict[str, Any]:
    """The state of the thread's session before `session` ({} when none): what a flow carries
    into a new run (a registration in progress survives a command that restarted the flow)."""
    previous = (
        ConversationSession.objects.filter(business=business, conversation=conversation)
        .exclude(pk=session.pk)
        .order_by("-started_at", "-id")
        .values_list("state", flat=True)
        .first()
    )
    return previous if isinstance(previous, dict) else {}

"""Conversation write use-cases. Every channel hands each inbound message to
`conversation_receive`; the engine (conversations.engine) decides the replies, which the channel
answers inline (web chat) or queues through the outbox (messaging.services.message_send)."""

import re
from copy import deepcopy
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache, partial
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, models, transaction
from django.db.models import JSONField, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.conversations import engine, flowstore, handoffs
from kazan.conversations.choices import MessageAuthor, MessageDirection
from kazan.conversations.error_codes import ConversationsErrorCode
from kazan.conversations.fallbacks import fallback_answer
from kazan.conversations.live import conversation_changed
from kazan.conversations.models import (
    Conversation,
    ConversationMessage,
    ConversationSession,
    FlowBinding,
    Status,
)
from kazan.conversations.queries import bot_settings_get
from kazan.core.db import insert_or_fetch
from kazan.core.errors import CoreErrorCode, KazanError, NotFound, ValidationFailed
from kazan.customers.normalize import language_normalize

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import ChannelIdentity, Customer
    from kazan.messaging.models import OutboundMessage
    from kazan.tenancy.models import Business

_CHANNEL = re.compile(r"^[a-z0-9_]{1,16}$")
PROVIDER_MESSAGE_ID_MAX = 120
# A person has these threads: the bot stays quiet, the message waits in the inbox. A resolved
# thread is not among them: the team is done, so the customer's next message is a new matter
# for the bot (which hands off again when needed) — a returning customer never meets silence.
HELD_STATUSES = frozenset({Status.OPEN, Status.PENDING, Status.SNOOZED})
# ...and a customer writing again brings a snoozed thread back to the team's "needs a person".
REOPENED_STATUSES = frozenset({Status.SNOOZED})


def _registered() -> None:
    # The funnel's actions and validators register on import.
    from kazan.conversations import actions  # noqa: F401


@dataclass(frozen=True)
class Received:
    """What one inbound message did: the thread it landed in, the replies (for a channel that
    answers inline, such as the web chat), and whether it was a provider's retry (dropped)."""

    conversation: Conversation | None
    replies: list[engine.Reply]
    duplicate: bool = False
    # `known_only` was asked and nobody is behind the handle: nothing was written.
    unknown: bool = False


class _Duplicate(Exception):
    pass


class _Unknown(Exception):
    pass


def conversation_receive(
    *,
    business: "Business",
    channel: str,
    handle: str,
    inbound: engine.Inbound,
    provider_message_id: str = "",
    language: str = "",
    known_only: bool = False,
    handle_new: bool = False,
) -> Received:
    """The one entry point for an inbound message on any channel (issue 10's contract).

    `handle` is the channel's id of the person (E.164 for SMS, a chat id, a web session token);
    `provider_message_id` ("<provider>:<id>") drops a provider's retry, also when two arrive at
    once (a unique constraint decides). Finds or creates the person's identity and thread; a
    thread a person holds gets no bot reply; otherwise the running session answers, a restart
    keyword or a finished session starts the bound flow. Returns the replies; it sends nothing.
    An empty `inbound` only opens the thread (a web visitor's first page load).

    `known_only`: answer only in an existing thread (else nothing is written and the result is
    `unknown`); `handle_new`: the caller just made the handle up, so nobody is looked up.
    A returning person's turn costs one statement for the identity and one for the locked
    thread with its session, flow version and binding (`_thread_known_locked`).
    """
    from kazan.customers.services import identity_seen, identity_touch

    _registered()
    if not _CHANNEL.match(channel or ""):
        raise ValidationFailed(_("Unknown channel."), code=ConversationsErrorCode.INVALID_CHANNEL)
    if len(provider_message_id) > PROVIDER_MESSAGE_ID_MAX:
        raise ValidationFailed(_("The message id is too long."), code=CoreErrorCode.INVALID)
    if provider_message_id and _provider_message_known(business, provider_message_id):
        return Received(None, [], duplicate=True)
    language = language_normalize(language, strict=False)
    # Counted before the turn's transaction, so the month's counter row is not held locked
    # while the bot answers (decision 0033); given back unless the bot's turn ran.
    allowed = handoffs.message_quota_take(business=business, inbound=inbound)
    answered = False
    try:
        with transaction.atomic():
            thread = None
            # The identity row is locked (updated) before the thread, as identity_touch does.
            if not handle_new and identity_seen(
                business=business, channel=channel, external_id=handle
            ):
                thread = _thread_known_locked(business, channel, handle)
            if thread is None:
                if known_only:
                    raise _Unknown
                identity = identity_touch(business=business, channel=channel, external_id=handle)
                thread = _thread_locked(business, identity, language or business.language)
            before = _fields(thread)
            person = thread.identity
            if thread.customer_id is None and person and person.customer_id is not None:
                thread.customer_id = person.customer_id
            if provider_message_id and _provider_message_known(business, provider_message_id):
                raise _Duplicate
            replies = _receive(business, thread, before, inbound, provider_message_id, allowed)
            answered = before["status"] not in HELD_STATUSES  # else no bot answered it
    except _Duplicate:
        return Received(None, [], duplicate=True)
    except _Unknown:
        return Received(None, [], unknown=True)
    finally:
        handoffs.message_quota_give_back(business, inbound, taken=allowed, kept=answered)
    return Received(thread, replies)


def _provider_message_known(business: "Business", provider_message_id: str) -> bool:
    return ConversationMessage.objects.filter(
        business=business, provider_message_id=provider_message_id
    ).exists()


def _thread_known_locked(business: "Business", channel: str, handle: str) -> Conversation | None:
    """The thread with the person behind `handle`, locked for the turn, in one query with its
    identity, session and flow version, and the restart keywords and current version of the
    binding that answers on its channel (`binding_keywords`, `binding_version`)."""
    from kazan.customers.identities import external_id_normalize, identity_index_for

    index = identity_index_for(channel, external_id_normalize(handle))
    binding = FlowBinding.objects.filter(
        business=business, channel__in=[channel, flowstore.ANY_CHANNEL]
    ).order_by("-channel")  # as flowstore.binding_for_channel: a channel's own first
    found = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("identity", "session__flow_version")
        .filter(business=business, identity__channel=channel, identity__external_index=index)
        .annotate(
            binding_keywords=Subquery(
                binding.values("restart_keywords")[:1], output_field=JSONField()
            ),
            binding_version=Subquery(binding.values("flow__current_version_id")[:1]),
        )
        .order_by()[:1]  # one thread per identity: nothing to sort
    )
    return next(iter(found), None)


def _thread_locked(
    business: "Business", identity: "ChannelIdentity", language: str
) -> Conversation:
    """The thread with this identity (one per identity), created if new, locked for the turn
    so a double-tap or a retried webhook cannot run a step twice."""
    found = Conversation.objects.filter(business=business, identity=identity).first()
    if found is None:
        inserted, _created = insert_or_fetch(
            lambda: Conversation.objects.create(
                business=business,
                identity=identity,
                channel=identity.channel,
                customer=identity.customer,
                language=language,
            ),
            lambda: Conversation.objects.filter(business=business, identity=identity).first(),
        )
        found = inserted
    thread: Conversation = (
        Conversation.objects.select_for_update(of=("self",))
        .select_related("identity", "session__flow_version")
        .get(pk=found.pk)
    )
    return thread


def _fields(instance: models.Model) -> dict[str, object]:
    """A row's column values as loaded (JSON copied: the engine changes a session's state in
    place), to write back only what a turn changed."""
    return {
        field.attname: deepcopy(value) if isinstance(value, dict | list) else value
        for field in instance._meta.concrete_fields
        if not field.primary_key
        for value in [getattr(instance, field.attname)]
    }


def _changed(instance: models.Model, before: dict[str, object]) -> list[str]:
    return [name for name, value in before.items() if getattr(instance, name) != value]


def _receive(
    business: "Business",
    thread: Conversation,
    before: dict[str, object],
    inbound: engine.Inbound,
    provider_message_id: str,
    allowed: bool = True,
) -> list[engine.Reply]:
    now = timezone.now()
    thread.last_message_at = now
    if not inbound.empty:
        thread.last_inbound_at = now
    if thread.status in HELD_STATUSES:
        if thread.status in REOPENED_STATUSES:
            thread.status, thread.snoozed_until = Status.OPEN, None
        _log(thread, thread.session, inbound.text[: engine.TEXT_MAX], provider_message_id)
        _thread_save(thread, before)
        conversation_changed(business_id=business.pk, conversation_id=thread.pk, kind="message")
        return []
    if not allowed:  # the plan's messages of the month are used up: kept for the team
        replies, marks = handoffs.quota_handoff(business, thread)
        _log(
            thread,
            thread.session,
            inbound.text[: engine.TEXT_MAX],
            provider_message_id,
            replies,
            marks,
        )
        _thread_save(thread, before)
        conversation_changed(business_id=business.pk, conversation_id=thread.pk, kind="message")
        return replies
    if thread.status == Status.RESOLVED:
        thread.status = Status.BOT
    try:
        with transaction.atomic():
            turn, session = _bot_turn(business, thread, inbound)
    except KazanError as error:
        thread.refresh_from_db(fields=["session", "status", "customer"])
        if provider_message_id:  # kept so that the provider's retry is still dropped
            _log(thread, thread.session, "", provider_message_id)
        _thread_save(thread, before)
        return [engine.reply_error(str(error.message))]
    thread.session = session
    _log(thread, session, turn.inbound_log, provider_message_id, turn.replies)
    _thread_save(thread, before)
    if not inbound.empty or turn.replies:
        conversation_changed(business_id=business.pk, conversation_id=thread.pk, kind="message")
    return turn.replies


def _thread_save(thread: Conversation, before: dict[str, object]) -> None:
    """Writes the columns the turn changed, and always `updated_at`: the inbox's live stream
    without Redis finds changed threads by it."""
    thread.save(update_fields=[*_changed(thread, before), "updated_at"])


def _bot_turn(
    business: "Business", thread: Conversation, inbound: engine.Inbound
) -> tuple[engine.Turn, ConversationSession]:
    """One turn of the bot in a savepoint: a domain error no step handles rolls it back."""
    binding: FlowBinding | None = None
    if getattr(thread, "binding_version", None) is not None:
        keywords = getattr(thread, "binding_keywords", None)
    else:  # a new thread, or no ready binding yet (binding_for_channel seeds the default)
        binding = flowstore.binding_for_channel(business=business, channel=thread.channel)
        keywords = binding.restart_keywords
    # The fallback chain's settings are read only if a turn consults them.
    bot_settings = cache(partial(bot_settings_get, business=business))
    session = thread.session
    running = session is not None and session.running and session.flow_version_id is not None
    with translation.override(thread.language or business.language):
        restart = flowstore.keyword_fold(inbound.text) in flowstore.restart_words(keywords)
        log = inbound.text[: engine.TEXT_MAX] or None
        if running and restart and session is not None:
            session.ended_at = timezone.now()
            session.end_reason = ConversationSession.EndReason.RESTARTED
            session.waiting = False
            session.save()
            running = False
        if running and session is not None:
            session_before = _fields(session)
            ctx = engine.Context(business, thread, session, inbound, bot_settings)
            definition = _definition(session)
            if inbound.empty:
                turn = engine.Turn(engine.pending(ctx, definition))
            else:
                turn = engine.handle(ctx, definition, inbound)
        else:
            if session is not None and not restart:
                # After a finished session the fallbacks (FAQ, agent) may answer before a new
                # run.
                ended = engine.Context(business, thread, session, inbound, bot_settings)
                answered = fallback_answer(ended, inbound)
                if answered is not None:
                    return engine.Turn(answered, log), session
            if binding is None:
                binding = flowstore.binding_for_channel(business=business, channel=thread.channel)
            session = _session_start(business, thread, binding)
            session_before = _fields(session)
            ctx = engine.Context(business, thread, session, inbound, bot_settings)
            turn = engine.start(ctx, _definition(session))
            turn.inbound_log = log
    if changed := _changed(session, session_before):
        session.save(update_fields=changed)
    handoffs.session_end_record(business, thread, session)
    return turn, session


def _definition(session: ConversationSession) -> engine.Flow:
    """The definition of the flow version a session runs (a session started by the engine
    always has one)."""
    if session.flow_version is None:
        raise NotFound()
    definition: engine.Flow = session.flow_version.definition
    return definition


def _session_start(
    business: "Business", thread: Conversation, binding: "FlowBinding"
) -> ConversationSession:
    version = binding.flow.current_version
    if version is None:
        raise NotFound()
    session = ConversationSession.objects.create(
        business=business, conversation=thread, flow_version=version
    )
    thread.session = session
    activity_record(
        business=business,
        actor=None,
        actor_kind="customer",
        action="conversation.started",
        target=thread,
        data={"channel": thread.channel, "flow": binding.flow.key, "version": version.number},
    )
    return session


def _log(
    thread: Conversation,
    session: ConversationSession | None,
    text: str | None,
    provider_message_id: str,
    replies: list[engine.Reply] | None = None,
    marks: dict[str, str] | None = None,
) -> None:
    """The turn's log in one statement: what the customer wrote (codes and numbers as the
    step masked them; also an empty row that only keeps a provider's id) and what the bot
    answered."""
    rows = []
    if text or provider_message_id:
        rows.append(
            ConversationMessage(
                business_id=thread.business_id,
                conversation=thread,
                session=session,
                direction=ConversationMessage.Direction.IN,
                author_kind=ConversationMessage.Author.CUSTOMER,
                text=text or "",
                provider_message_id=provider_message_id,
            )
        )
    if replies:
        rows.append(
            ConversationMessage(
                business_id=thread.business_id,
                conversation=thread,
                session=session,
                direction=ConversationMessage.Direction.OUT,
                author_kind=ConversationMessage.Author.BOT,
                text="\n".join(r["text"] for r in replies if r.get("text"))[:4000],
                payload={"replies": replies, **(marks or {})},
            )
        )
    if not rows:
        return
    try:
        ConversationMessage.objects.bulk_create(rows)
    except IntegrityError as error:
        # The same provider message in another thread at the same moment: a retry. The
        # caller's transaction (or savepoint) rolls back as _Duplicate leaves it.
        raise _Duplicate from error


def conversation_language_set(
    *, business: "Business", conversation: Conversation, language: str
) -> None:
    """The visitor switched language: later replies use it (earlier ones stay as they were)."""
    language = language_normalize(language, strict=False)
    if conversation.business_id != business.pk:
        raise NotFound()
    if language and language != conversation.language:
        Conversation.objects.filter(business=business, pk=conversation.pk).update(language=language)
        conversation.language = language


def conversations_erase(*, business: "Business", customer: "Customer") -> int:
    """GDPR erasure: the customer's threads — on every identity of theirs — with their sessions,
    messages and internal notes (counts stay in analytics). Runs inside
    customers.services.customer_erase's transaction."""
    from django.db.models import Q

    deleted, _detail = Conversation.objects.filter(
        Q(customer=customer) | Q(identity__customer=customer), business=business
    ).delete()
    return deleted


# A chat left before the phone was verified has no customer behind it, so no export or erasure
# request can reach it; its name and encrypted number go after this many days.
ABANDONED_RETENTION_DAYS = 30


def unscoped_conversations_abandoned_purge(*, now: datetime | None = None) -> int:
    """Deletes threads whose identity belongs to no customer that nobody touched for
    ABANDONED_RETENTION_DAYS (with their sessions and messages, and the anonymous identity).
    Returns how many threads went."""
    from kazan.customers.services import identities_unclaimed_delete

    cutoff = (now or timezone.now()) - timedelta(days=ABANDONED_RETENTION_DAYS)
    stale = Conversation.objects.filter(
        customer__isnull=True, identity__customer__isnull=True, updated_at__lt=cutoff
    )
    identities: dict[int, list[int]] = {}
    for business_id, identity_id in stale.values_list("business_id", "identity_id"):
        identities.setdefault(business_id, []).append(identity_id)
    with transaction.atomic():
        _count, per_model = stale.delete()
        for business_id, ids in identities.items():
            identities_unclaimed_delete(business=business_id, ids=ids)
    return per_model.get(Conversation._meta.label, 0)


# --- the team's changes to a thread (the inbox) --------------------------------------------------


def thread_locked(*, business: "Business", conversation: Conversation) -> Conversation:
    """The thread, locked for a change: another agent's action waits rather than interleaves."""
    if conversation.business_id != business.pk:
        raise NotFound()
    return Conversation.objects.select_for_update().get(business=business, pk=conversation.pk)


def thread_save(conversation: Conversation, **fields: object) -> None:
    """Writes `fields` and `updated_at`: the polling live stream finds changes by the latter."""
    fields["updated_at"] = timezone.now()
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.save(update_fields=list(fields))


def agent_message_add(
    *,
    business: "Business",
    conversation: Conversation,
    direction: MessageDirection,
    text: str,
    author: "User",
    payload: dict[str, Any] | None = None,
    session: ConversationSession | None = None,
    outbound: "OutboundMessage | None" = None,
) -> ConversationMessage:
    """A team member's message in the thread: a reply to the customer, or an internal note."""
    return ConversationMessage.objects.create(
        business=business,
        conversation=conversation,
        direction=direction,
        text=text,
        payload=payload if payload is not None else {},
        author_kind=MessageAuthor.AGENT,
        author_id=author.pk,
        session=session,
        outbound=outbound,
    )


def thread_read_mark(*, business: "Business", conversation: Conversation) -> None:
    """The team has read the thread up to now (a read marker, not a change of the thread)."""
    if conversation.business_id != business.pk:
        raise NotFound()
    now = timezone.now()
    Conversation.objects.filter(business=business, pk=conversation.pk).update(team_read_at=now)
    conversation.team_read_at = now

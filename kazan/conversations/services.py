"""Conversation write use-cases: start a conversation, feed it an inbound message, and log what
was said. Every channel calls these; the engine (conversations.engine) decides the replies."""

import re
from dataclasses import dataclass

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.conversations import engine
from kazan.conversations.flows import REVIEW_FUNNEL
from kazan.conversations.models import Conversation, ConversationMessage
from kazan.core.db import insert_or_fetch
from kazan.core.errors import KazanError, NotFound, ValidationFailed
from kazan.customers.normalize import language_normalize

_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
_CHANNEL = re.compile(r"^[a-z0-9_]{1,16}$")


def _flows_loaded() -> None:
    # The funnel's flows and actions register on import.
    from kazan.conversations import actions, flows  # noqa: F401


def _log(conversation: Conversation, turn: engine.Turn) -> None:
    if turn.inbound_log:
        ConversationMessage.objects.create(
            business=conversation.business,
            conversation=conversation,
            direction=ConversationMessage.Direction.IN,
            text=turn.inbound_log,
        )
    if turn.replies:
        ConversationMessage.objects.create(
            business=conversation.business,
            conversation=conversation,
            direction=ConversationMessage.Direction.OUT,
            text="\n".join(r["text"] for r in turn.replies if r.get("text"))[:4000],
            payload={"replies": turn.replies},
        )


def conversation_start(
    *, business, channel: str, external_key: str, flow_key: str, language: str = ""
) -> tuple[Conversation, list[dict], bool]:
    """The conversation for this channel handle, started if new.

    Returns (conversation, replies, created): a new one runs the flow to its first question;
    an existing one returns no replies (the channel shows its history, queries.conversation_log).
    """
    _flows_loaded()
    if not _KEY.match(external_key or "") or not _CHANNEL.match(channel or ""):
        raise ValidationFailed(_("This conversation cannot be started."), code="invalid_key")
    flow = engine.flow_get(flow_key)
    language = language_normalize(language, strict=False) or business.language

    def existing() -> Conversation | None:
        return Conversation.objects.filter(
            business=business, channel=channel, external_key=external_key
        ).first()

    with transaction.atomic():
        if (found := existing()) is not None:
            return found, [], False
        conversation, created = insert_or_fetch(
            lambda: Conversation.objects.create(
                business=business,
                channel=channel,
                external_key=external_key,
                flow_key=flow_key,
                language=language,
            ),
            existing,
        )
        if not created:
            return conversation, [], False
        with translation.override(language):
            turn = engine.start(engine.Context(business, conversation), flow)
        conversation.save()
        _log(conversation, turn)
        activity_record(
            business=business,
            actor=None,
            actor_kind="customer",
            action="conversation.started",
            target=conversation,
            data={"channel": channel, "flow": flow_key},
        )
    return conversation, turn.replies, True


def conversation_handle(*, business, conversation: Conversation, inbound: engine.Inbound) -> list:
    """Feeds one inbound message to the engine and returns the replies.

    Holds the conversation row locked for the turn, so a double-tap cannot run a step twice.
    A domain error no step handles becomes an error reply; the turn's writes roll back.
    """
    _flows_loaded()
    if conversation.business_id != business.pk:
        raise NotFound()
    try:
        with transaction.atomic():
            current = Conversation.objects.select_for_update().get(
                business=business, pk=conversation.pk
            )
            was_completed = current.completed_at is not None
            with translation.override(current.language or business.language):
                turn = engine.handle(
                    engine.Context(business, current), engine.flow_get(current.flow_key), inbound
                )
            current.save()
            _log(current, turn)
            if current.completed_at is not None and not was_completed:
                activity_record(
                    business=business,
                    actor=None,
                    actor_kind="customer",
                    action="conversation.completed",
                    target=current,
                    data={"flow": current.flow_key},
                )
    except KazanError as error:
        return [engine.reply_error(str(error.message))]
    conversation.refresh_from_db()
    return turn.replies


def conversation_language_set(*, business, conversation: Conversation, language: str) -> None:
    """The visitor switched language: later replies use it (earlier ones stay as they were)."""
    language = language_normalize(language, strict=False)
    if conversation.business_id != business.pk:
        raise NotFound()
    if language and language != conversation.language:
        Conversation.objects.filter(business=business, pk=conversation.pk).update(language=language)
        conversation.language = language


def conversations_erase(*, business, customer) -> int:
    """GDPR erasure: the customer's conversations and their logs go entirely (counts stay in
    analytics). Runs inside customers.services.customer_erase's transaction."""
    deleted, _detail = Conversation.objects.filter(business=business, customer=customer).delete()
    return deleted


# A chat left before the phone was verified has no customer behind it, so no export or erasure
# request can reach it; its name and encrypted number go after this many days.
ABANDONED_RETENTION_DAYS = 30


def conversations_abandoned_purge(*, now=None) -> int:
    """Deletes conversations without a customer that nobody touched for
    ABANDONED_RETENTION_DAYS (and their messages). Returns how many went."""
    from datetime import timedelta

    from django.utils import timezone

    cutoff = (now or timezone.now()) - timedelta(days=ABANDONED_RETENTION_DAYS)
    stale = Conversation.objects.filter(customer__isnull=True, updated_at__lt=cutoff)
    _count, per_model = stale.delete()
    return per_model.get(Conversation._meta.label, 0)


@dataclass(frozen=True)
class Received:
    """What one inbound message did: the thread it landed in, the replies (for a channel that
    answers inline, such as the web chat), and whether it was a provider's retry (dropped)."""

    conversation: Conversation | None
    replies: list[dict]
    duplicate: bool = False


def conversation_receive(
    *,
    business,
    channel: str,
    handle: str,
    inbound: engine.Inbound,
    provider_message_id: str = "",
    installation=None,
    language: str = "",
) -> Received:
    """The one entry point for an inbound message on any channel (issue 10's contract).

    `handle` is the channel's id of the person (E.164 for SMS, a chat id, a web session token);
    `provider_message_id` ("<provider>:<id>") drops a provider's retry. Finds or creates the
    person's channel identity and thread, runs the business's bound flow, and returns the
    replies; channels that do not answer inline get them through the outbox.
    """
    from kazan.customers.identities import identity_index_for

    _flows_loaded()
    if (
        provider_message_id
        and ConversationMessage.objects.filter(
            business=business, provider_message_id=provider_message_id
        ).exists()
    ):
        return Received(None, [], duplicate=True)
    external_key = identity_index_for(channel, handle)
    conversation, replies, created = conversation_start(
        business=business,
        channel=channel,
        external_key=external_key,
        flow_key=REVIEW_FUNNEL,
        language=language,
    )
    if not created:
        replies = conversation_handle(business=business, conversation=conversation, inbound=inbound)
    return Received(conversation, replies)

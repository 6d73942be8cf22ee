"""Channel write use-cases: a business connects, tests and disconnects its own installations;
inbound provider messages are stored and then processed by the worker.

Each runs in one transaction and records its activity; provider calls (the connection test)
happen outside any transaction, and processing is enqueued from `transaction.on_commit`.
"""

import json
import logging
from collections.abc import Mapping
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.agent.services import shop_flow_ensure
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.ingest import event_insert
from kazan.channels.models import ChannelInstallation, InboundEvent
from kazan.channels.providers.base import InboundMessage, plugin
from kazan.channels.queries import (
    address_index,
    installation_address_forget,
    installation_credentials,
)
from kazan.core.entitlements import Limit, plan_allows
from kazan.core.errors import Conflict, KazanError, NotFound, ValidationFailed
from kazan.crm.services import crm_flow_ensure
from kazan.messaging.phones import to_index
from kazan.messaging.transports import ProviderError

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.channels")

# SMS keywords with a meaning before any flow (carriers and Twilio use the same words).
START_WORDS = frozenset({"START", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})


# --- installations ------------------------------------------------------------------------------


def installation_connect(
    *, business: "Business", actor: "User | None", provider: str, fields: Mapping[str, str]
) -> ChannelInstallation:
    """Connects the business's own account of `provider` from the connect form's `fields`.
    Replaces the business's earlier installation of the channel. Raises ValidationFailed (a
    field is wrong), Conflict (the number already answers for another business) or
    PlanLimitReached (the plan's connected channels are used up; a replacement counts the
    installations left after the earlier one is disconnected)."""
    descriptor = plugin(provider)
    if descriptor.connect_form is None:
        raise ValidationFailed(
            _("This channel cannot be connected."), code=ChannelsErrorCode.NOT_INSTALLABLE
        )
    form = descriptor.connect_form(data=fields)
    if not form.is_valid():
        first = next(iter(form.errors.values()))[0]
        raise ValidationFailed(str(first))
    connection = form.connection()
    index = address_index(connection.address)
    taken = _("This number is already connected to another business.")

    def taken_elsewhere() -> bool:
        return bool(index) and (
            ChannelInstallation.objects.filter(
                provider=provider, address_index=index, status=ChannelInstallation.Status.ACTIVE
            )
            .exclude(business=business)
            .exists()
        )

    # Asked before the provider is told anything (Telegram's webhook moves on prepare), and
    # again below under the subscription's lock, where it counts.
    replacing = ChannelInstallation.objects.filter(
        business=business, channel=descriptor.channel, status=ChannelInstallation.Status.ACTIVE
    ).exists()
    plan_allows(business=business, key=Limit.CHANNELS, adding=0 if replacing else 1)
    if descriptor.prepare is not None:
        # Checked before the provider is told anything: a bot another business connected
        # must not get its webhook moved here.
        if taken_elsewhere():
            raise Conflict(taken)
        try:
            connection = descriptor.prepare(connection)
        except ProviderError as exc:
            raise ValidationFailed(
                _("The provider refused the connection: %(error)s")
                % {"error": exc.message[:120] or exc.code},
                code=ChannelsErrorCode.PROVIDER_REFUSED,
            ) from exc
    with transaction.atomic():
        if taken_elsewhere():
            raise Conflict(taken)
        for previous in ChannelInstallation.objects.select_for_update().filter(
            business=business,
            channel=descriptor.channel,
            status=ChannelInstallation.Status.ACTIVE,
        ):
            _disconnect(business=business, actor=actor, installation=previous)
        plan_allows(business=business, key=Limit.CHANNELS)
        try:
            with transaction.atomic():
                installation = ChannelInstallation.objects.create(
                    business=business,
                    channel=descriptor.channel,
                    provider=provider,
                    label=(fields.get("label") or "").strip()[:80],
                    credentials=json.dumps(connection.credentials),
                    config=connection.config,
                    address_index=index,
                    created_by=actor,
                )
        except IntegrityError:  # the same number connected by another business just now
            raise Conflict(taken) from None
        installation_address_forget(provider=provider, index=index)
        activity_record(
            business=business,
            actor=actor,
            action="channel.connected",
            target=installation,
            data={"provider": provider, "channel": descriptor.channel},
        )
        if descriptor.channel == "whatsapp":
            # The agent's shop flow answers on WhatsApp (seed 002's flow), unless the business
            # bound its own flow to the channel.
            shop_flow_ensure(business=business)
        if descriptor.channel == "telegram" and connection.config.get("use_crm"):
            # The Telegram CRM's flow (registration, orders, tokens) answers on Telegram,
            # unless the business bound its own flow to the channel.
            crm_flow_ensure(business=business)
    return installation


def installation_test(
    *, business: "Business", actor: "User | None", installation: ChannelInstallation
) -> bool:
    """Asks the provider whether the installation's credentials work; records the answer."""
    if installation.business_id != business.pk:
        raise NotFound()
    descriptor = plugin(installation.provider)
    code, error = "", ""
    if descriptor.test is not None:
        try:
            descriptor.test(installation_credentials(installation))
        except ProviderError as exc:
            code, error = exc.code or "error", exc.message
    ok = not code
    with transaction.atomic():
        ChannelInstallation.objects.filter(pk=installation.pk, business=business).update(
            last_tested_at=timezone.now(),
            last_test_ok=ok,
            last_error=error[:300],
            updated_at=timezone.now(),
        )
        activity_record(
            business=business,
            actor=actor,
            action="channel.tested",
            target=installation,
            data={"ok": ok, "code": code[:32]},
        )
    installation.refresh_from_db()
    return ok


def installation_disconnect(
    *, business: "Business", actor: "User | None", installation: ChannelInstallation
) -> None:
    """Stops using the installation: new messages go out through the platform default. The
    credentials stay (encrypted) so late status callbacks of its messages still verify."""
    with transaction.atomic():
        locked = (
            ChannelInstallation.objects.select_for_update()
            .filter(pk=installation.pk, business=business)
            .first()
        )
        if locked is None or not locked.is_active:
            return
        _disconnect(business=business, actor=actor, installation=locked)
        release = plugin(locked.provider).release
        if release is not None:
            credentials = installation_credentials(locked)
            transaction.on_commit(lambda: release(credentials))
    installation.refresh_from_db()


def _disconnect(
    *, business: "Business", actor: "User | None", installation: ChannelInstallation
) -> None:
    installation_address_forget(provider=installation.provider, index=installation.address_index)
    ChannelInstallation.objects.filter(pk=installation.pk).update(
        status=ChannelInstallation.Status.DISCONNECTED,
        disconnected_at=timezone.now(),
        updated_at=timezone.now(),
    )
    activity_record(
        business=business,
        actor=actor,
        action="channel.disconnected",
        target=installation,
        data={"provider": installation.provider, "channel": installation.channel},
    )


# --- inbound ------------------------------------------------------------------------------------


def inbound_enqueue(event_id: int) -> None:
    """Queue the processing task; a failure to enqueue loses nothing (the sweeper finds it)."""
    from kazan.channels.tasks import inbound_process

    try:
        inbound_process.enqueue(event_id)
    except Exception:
        logger.exception("could not enqueue inbound event %s; the sweeper will", event_id)


def inbound_store(
    *,
    provider: str,
    channel: str,
    message: InboundMessage,
    installation: ChannelInstallation | None,
) -> tuple[InboundEvent, bool]:
    """Stores a verified inbound message and queues its processing: one statement on
    PostgreSQL with the database tasks backend (channels.ingest), else the task is enqueued
    after the commit. Returns (event, stored); stored is False for a provider's retry of a
    stored message (nothing is written or queued for it)."""
    event = InboundEvent(
        provider=provider,
        provider_message_id=message.provider_message_id,
        channel=channel,
        installation_id=installation.pk if installation is not None else None,
        business_id=installation.business_id if installation is not None else None,
        sender_index=to_index(message.sender),
        payload=json.dumps(asdict(message)),
    )
    event_id, queued = event_insert(event)
    if event_id is None:
        earlier = InboundEvent.objects.filter(
            provider=provider, provider_message_id=message.provider_message_id
        ).first()
        return earlier or event, False
    event.pk = event_id
    event._state.adding = False
    if not queued:
        transaction.on_commit(lambda: inbound_enqueue(event_id))
    return event, True


def _prefetched(event_id: int) -> InboundMessage | None:
    """A WhatsApp or Telegram message's network work done before the row is locked (no lock
    is held while the network waits): media downloaded, Telegram's button press answered;
    None for anything else."""
    from kazan.channels.providers.telegram.process import telegram_prefetch
    from kazan.channels.providers.whatsapp.process import media_prefetch

    event = (
        InboundEvent.objects.select_related("installation", "business")
        .filter(
            pk=event_id,
            status=InboundEvent.Status.RECEIVED,
            channel__in=("whatsapp", "telegram"),
        )
        .first()
    )
    if event is None:
        return None
    message = InboundMessage(**json.loads(event.payload))
    if event.channel == "telegram":
        return telegram_prefetch(event, message)
    return media_prefetch(event, message)


def inbound_process(*, event_id: int) -> str:
    """Processes one stored inbound event exactly once (the row is locked, then marked)."""
    prefetched = _prefetched(event_id)
    with transaction.atomic():
        event = (
            InboundEvent.objects.select_for_update(of=("self",))
            .select_related("installation", "business")
            .filter(pk=event_id, status=InboundEvent.Status.RECEIVED)
            .first()
        )
        if event is None:
            return "skipped"
        message = prefetched or InboundMessage(**json.loads(event.payload))
        if event.channel == "sms":
            outcome, business = _sms_inbound(event=event, message=message)
        elif event.channel == "whatsapp":
            from kazan.channels.providers.whatsapp.process import whatsapp_inbound

            outcome, business = whatsapp_inbound(event=event, message=message)
        elif event.channel == "telegram":
            from kazan.channels.providers.telegram.process import telegram_inbound

            outcome, business = telegram_inbound(event=event, message=message)
        else:
            outcome, business = "unsupported", None
        event.status = (
            InboundEvent.Status.DROPPED
            if outcome in ("unrouted", "not_a_phone", "unsupported", "inactive", "blocked", "stale")
            else InboundEvent.Status.PROCESSED
        )
        event.outcome = outcome
        event.business = business or event.business
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "outcome", "business", "processed_at"])
    logger.info("inbound event %s %s", event_id, outcome)
    return outcome


def _sms_business(*, event: InboundEvent, number: str) -> "Business | None":
    """The installation's business; on the platform's shared number, the business that last
    sent an SMS to the sender through it."""
    if event.installation is not None and event.installation.is_active:
        return event.business
    from kazan.messaging.queries import unscoped_sms_last_sender_business

    return unscoped_sms_last_sender_business(phone=number)


def _sms_inbound(*, event: InboundEvent, message: InboundMessage) -> tuple[str, "Business | None"]:
    from kazan.campaigns.services import stop_reply_receive, stop_word
    from kazan.customers.phones import phone_normalize

    try:
        number = phone_normalize(message.sender, region="")
    except ValidationFailed:  # a short code or an alphanumeric sender
        return "not_a_phone", None
    if stop_word(message.text):
        stop_reply_receive(
            provider=event.provider,
            provider_message_id=message.provider_message_id,
            from_phone=number,
            body=message.text,
        )
        return "stop", None
    business = _sms_business(event=event, number=number)
    if business is None:
        logger.info("inbound sms %s reaches no business; dropped", message.provider_message_id)
        return "unrouted", None
    from kazan.customers.queries import customer_is_blocked

    if customer_is_blocked(business=business, channel="sms", handle=number):
        logger.info("inbound sms %s from a blocked customer; ignored", message.provider_message_id)
        return "blocked", business
    installation = event.installation if event.installation_id else None
    word = message.text.strip().upper()
    if word in HELP_WORDS:
        with translation.override(business.language):
            text = gettext(
                "%(business)s: reply to chat with us. Reply STOP to unsubscribe, START to start "
                "again."
            ) % {"business": business.name}
        transactional_reply(
            business=business,
            channel="sms",
            to=number,
            replies=[{"type": "text", "text": text}],
            installation=installation,
            key=f"help:{event.provider}:{message.provider_message_id}",
        )
        return "help", business
    from kazan.conversations.engine import Inbound
    from kazan.conversations.services import conversation_receive

    received = conversation_receive(
        business=business,
        channel="sms",
        handle=number,
        inbound=Inbound(text=message.text),
        provider_message_id=f"{event.provider}:{message.provider_message_id}",
    )
    if received.duplicate:
        return "duplicate", business
    if received.replies:
        transactional_reply(
            business=business,
            channel="sms",
            to=number,
            replies=received.replies,
            installation=installation,
            key=f"reply:{event.provider}:{message.provider_message_id}",
            customer=getattr(received.conversation, "customer", None),
        )
    return "start" if word in START_WORDS else "conversation", business


def transactional_reply(
    *,
    business: "Business",
    channel: str,
    to: str,
    replies: list[dict[str, Any]],
    installation: ChannelInstallation | None,
    key: str,
    customer: "Customer | None" = None,
) -> None:
    """Queues the answer to an inbound message (SMS, WhatsApp) once per `key`. A refusal (no
    credits left, nothing to say on this channel) is logged: the thread is kept."""
    from kazan.messaging.services import message_send

    try:
        message_send(
            business=business,
            channel=channel,
            to=to,
            payload={"replies": replies},
            purpose="transactional",
            customer=customer,
            installation=installation,
            idempotency_key=key,
            actor_kind="system",
        )
    except KazanError as exc:
        logger.warning("%s reply for business %s not queued: %s", channel, business.pk, exc.code)


# Stored inbound messages hold numbers and texts; once handled, the conversation log (or the
# opt-out record) keeps what matters, so the raw events go after this many days.
INBOUND_RETENTION_DAYS = 30


def inbound_events_purge(*, now: datetime | None = None) -> int:
    """Deletes handled (processed or dropped) inbound events older than INBOUND_RETENTION_DAYS,
    including those that never found a business (no export or erasure can reach them)."""
    cutoff = (now or timezone.now()) - timedelta(days=INBOUND_RETENTION_DAYS)
    deleted, _detail = InboundEvent.objects.filter(
        status__in=[InboundEvent.Status.PROCESSED, InboundEvent.Status.DROPPED],
        created_at__lt=cutoff,
    ).delete()
    return deleted

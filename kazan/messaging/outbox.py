"""Delivery of the outbox: claim a message, call the provider outside any transaction, record.

    queued ──claim──▶ sending ──provider ok──▶ sent / delivered
      ▲                  │ transient error: back to queued, attempts+1, exponential backoff
      └──────────────────┤ permanent error or max attempts: failed, credits refunded once
                         │ worker died mid-call: the lease expires, the sweeper re-enqueues,
                         ▼ and the re-send carries the same idempotency token (no double SMS)

The claim is a short transaction: SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL (on SQLite the
IMMEDIATE transaction mode serializes writers). Recording an error is fenced by the attempt
number, so a worker whose lease ran out cannot overwrite the newer attempt; a success is always
recorded, since the provider's id is the truth about what was sent.
"""

import logging
import math
import random
import time
import traceback
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kazan.activity.services import activity_record
from kazan.messaging import ledger
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.transports import (
    PermanentProviderError,
    SmsProvider,
    SmsRequest,
    SmsResult,
    TransientProviderError,
    Transport,
    channel_default,
    installation_get,
    transport,
)

logger = logging.getLogger("kazan.messaging.outbox")

# How long a worker blocks for a send slot before handing the message back to the queue.
RATE_MAX_WAIT_SECONDS = 5.0
# The sweeper re-enqueues one message at most this often, so a backlog does not pile up copies.
SWEEP_REPEAT_SECONDS = 300
# Queued rows younger than this still have their own delivery task on the way.
SWEEP_GRACE_SECONDS = 30
# The longest wait a provider's retry_after may impose on a message (seconds).
MAX_RETRY_AFTER = 3600.0


def _claimable(now: datetime) -> Q:
    return (
        Q(status=Status.QUEUED, next_attempt_at__lte=now)
        | Q(status=Status.QUEUED, next_attempt_at__isnull=True)
        | Q(status=Status.SENDING, lease_expires_at__lte=now)
    )


def backoff_seconds(attempt: int) -> float:
    """Exponential backoff with jitter after the `attempt`-th try: half fixed, half random
    (so retries of many messages spread out), capped at OUTBOX_BACKOFF_MAX_SECONDS."""
    ceiling = min(
        float(settings.OUTBOX_BACKOFF_MAX_SECONDS),
        float(settings.OUTBOX_BACKOFF_BASE_SECONDS) * 2 ** max(attempt - 1, 0),
    )
    return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 (jitter, not security)


# --- global send rate ------------------------------------------------------------------------


def sms_rate_acquire() -> bool:
    """Takes one send slot of SMS_RATE_PER_SECOND, shared by all workers through the cache
    (Redis when REDIS_URL is set). Fixed windows of whole seconds; False when the window is full."""
    rate = float(settings.SMS_RATE_PER_SECOND)
    if rate <= 0:
        return True
    window = max(1, math.ceil(1 / rate))
    limit = max(1, math.floor(rate * window))
    key = f"sms-rate:{int(time.time() // window)}"
    cache.add(key, 0, timeout=window * 2 + 1)
    try:
        count = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.add(key, 0, timeout=window * 2 + 1)
        count = cache.incr(key)
    return count <= limit


def sms_rate_wait(*, max_wait: float | None = None) -> bool:
    """Blocks up to about `max_wait` seconds for a send slot. Counts sleeps rather than reading
    a clock, so a frozen clock (tests) cannot make it wait forever."""
    max_wait = RATE_MAX_WAIT_SECONDS if max_wait is None else max_wait
    step = 0.05
    for _ in range(max(1, int(max_wait / step))):
        if sms_rate_acquire():
            return True
        time.sleep(step * (0.5 + random.random()))  # noqa: S311 (jitter, not security)
    return sms_rate_acquire()


# --- one delivery ----------------------------------------------------------------------------


def status_callback_url(provider_key: str, installation_id: int | None = None) -> str:
    """PUBLIC_URL + /hooks/<provider>/status, when that provider has a status webhook; with
    `?installation=<id>` for a business's own account, whose token signs the callbacks."""
    try:
        url = settings.PUBLIC_URL + reverse(f"hooks:{provider_key}_status")
    except NoReverseMatch:
        return ""
    return f"{url}?installation={installation_id}" if installation_id is not None else url


def _route(message_id: int) -> tuple[Transport | None, int | None]:
    """Who sends the message: its installation's transport while the installation is connected,
    else the platform default of its channel (None: the channel has none). Returns the
    transport and the id of the installation it sends through."""
    row = OutboundMessage.objects.filter(pk=message_id).only("channel", "installation_id").first()
    installation_id = row.installation_id if row is not None else None
    installation = installation_get(installation_id) if installation_id is not None else None
    if installation is not None and installation.is_active:
        return transport(installation.provider), installation.pk
    return channel_default(row.channel if row is not None else "sms"), None


def _claim(
    message_id: int, *, provider_key: str, installation_id: int | None = None
) -> OutboundMessage | None:
    """Marks the message `sending` under a lease and counts the attempt; None if it is not due,
    already being sent by a live worker, or finished."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(_claimable(now), pk=message_id)
            .first()
        )
        if message is None:
            return None
        message.status = Status.SENDING
        message.attempts += 1
        message.last_attempt_at = now
        message.lease_expires_at = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        message.next_attempt_at = None
        message.provider = provider_key
        message.installation_id = installation_id
        message.save(
            update_fields=[
                "status",
                "attempts",
                "last_attempt_at",
                "lease_expires_at",
                "next_attempt_at",
                "provider",
                "installation",
                "updated_at",
            ]
        )
    return message


def _record_success(message: OutboundMessage, result: SmsResult) -> str:
    now = timezone.now()
    delivered = result.status == "delivered"
    changes = {
        "status": Status.DELIVERED if delivered else Status.SENT,
        "provider_message_id": result.provider_message_id[:64],
        "sent_at": now,
        "lease_expires_at": None,
        "next_attempt_at": None,
        "error_code": "",
        "error_message": "",
        "updated_at": now,
    }
    if delivered:
        changes["delivered_at"] = now
    OutboundMessage.objects.filter(
        pk=message.pk, status__in=[Status.QUEUED, Status.SENDING]
    ).update(**changes)
    logger.info(
        "sms %s %s attempt=%d provider=%s",
        message.pk,
        changes["status"],
        message.attempts,
        message.provider,
    )
    return str(changes["status"])


def _record_failure(message: OutboundMessage, *, code: str, text: str) -> str:
    """Final failure: the message is failed and its credits refunded, exactly once."""
    now = timezone.now()
    with transaction.atomic():
        changed = OutboundMessage.objects.filter(
            pk=message.pk, status=Status.SENDING, attempts=message.attempts
        ).update(
            status=Status.FAILED,
            failed_at=now,
            lease_expires_at=None,
            next_attempt_at=None,
            error_code=code[:32],
            error_message=text[:300],
            updated_at=now,
        )
        if not changed:
            return "superseded"
        refund = ledger.credits_refund(business=message.business, message=message)
        activity_record(
            business=message.business,
            actor=None,
            actor_kind=f"provider:{message.provider}" if message.provider else "system",
            action="sms.failed",
            target=message,
            data={
                "code": code[:32],
                "attempts": message.attempts,
                "refunded": refund.amount if refund else 0,
            },
        )
    logger.warning("sms %s failed code=%s attempts=%d", message.pk, code, message.attempts)
    return "failed"


def _record_retry(
    message: OutboundMessage, *, code: str, text: str, retry_after: float | None = None
) -> str:
    """Back to the queue after a transient error: at the provider's `retry_after` (seconds)
    when it named one, else after the exponential backoff."""
    if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return _record_failure(message, code=code or MessagingErrorCode.MAX_ATTEMPTS, text=text)
    now = timezone.now()
    if retry_after is not None and math.isfinite(retry_after):
        # The provider's word, kept within [0, MAX_RETRY_AFTER]: a negative one is now, a huge
        # one (or OverflowError in timedelta) never parks the message for days.
        delay = min(max(float(retry_after), 0.0), MAX_RETRY_AFTER)
    else:
        delay = backoff_seconds(message.attempts)
    next_attempt_at = now + timedelta(seconds=delay)
    changed = OutboundMessage.objects.filter(
        pk=message.pk, status=Status.SENDING, attempts=message.attempts
    ).update(
        status=Status.QUEUED,
        next_attempt_at=next_attempt_at,
        lease_expires_at=None,
        error_code=code[:32],
        error_message=text[:300],
        updated_at=now,
    )
    if not changed:
        return "superseded"
    from kazan.messaging.services import delivery_enqueue

    delivery_enqueue(message.pk, run_after=next_attempt_at)
    logger.info(
        "sms %s retry %d at %s code=%s",
        message.pk,
        message.attempts,
        next_attempt_at.isoformat(),
        code,
    )
    return "retry"


def outbox_deliver_message(*, message_id: int) -> str:
    """Delivers one message if it is due; returns what happened (for the task's result).

    Safe to run twice, concurrently, or after a crash: only one worker holds the claim, and a
    re-send after an expired lease carries the same idempotency token.
    """
    now = timezone.now()
    if not OutboundMessage.objects.filter(_claimable(now), pk=message_id).exists():
        return "skipped"
    descriptor, installation_id = _route(message_id)
    # The SMS provider's account-wide rate; other channels pace themselves (WhatsApp: per
    # number, in its sender).
    if (descriptor is None or descriptor.channel == "sms") and not sms_rate_wait():
        from kazan.messaging.services import delivery_enqueue

        delivery_enqueue(message_id, run_after=timezone.now() + timedelta(seconds=1))
        return "throttled"
    provider: SmsProvider | None = None
    if descriptor is not None and not descriptor.capabilities.inline:
        provider = descriptor.sender_build(installation_id)
    message = _claim(
        message_id,
        provider_key=descriptor.key if descriptor else "",
        installation_id=installation_id,
    )
    if message is None:
        return "skipped"
    if descriptor is None:
        return _record_failure(
            message,
            code=MessagingErrorCode.NOT_CONNECTED,
            text="The channel is not connected.",
        )
    if provider is None:
        # An inline channel (the web chat): the thread shows the message, nothing to send.
        return _record_success(message, SmsResult(provider_message_id="", status="delivered"))
    if message.attempts > settings.OUTBOX_MAX_ATTEMPTS:
        # Every attempt so far died mid-call (a poison message that kills workers): stop here.
        return _record_failure(
            message,
            code=MessagingErrorCode.MAX_ATTEMPTS,
            text="Gave up after the maximum number of attempts.",
        )
    request = SmsRequest(
        to=message.to,
        # Rendered now, by the channel's renderer: the payload is the message, body its preview.
        body=descriptor.render(message.payload) if message.payload else message.body,
        from_="",
        idempotency_key=str(message.delivery_key),
        status_callback_url=status_callback_url(provider.key, installation_id),
    )
    # The provider call: outside any transaction, so no lock is held while the network waits.
    try:
        result = provider.send(request)
    except PermanentProviderError as exc:
        return _record_failure(
            message, code=exc.code or MessagingErrorCode.PERMANENT, text=exc.message
        )
    except TransientProviderError as exc:
        return _record_retry(
            message,
            code=exc.code or MessagingErrorCode.TRANSIENT,
            text=exc.message,
            retry_after=exc.retry_after,
        )
    except Exception as exc:
        # A bug or an unexpected SDK error: never lose the message, retry it like an outage.
        # Logged with the stack but not the exception's text, which may quote the recipient.
        logger.error(
            "sms %s: provider %s raised %s\n%s",
            message.pk,
            provider.key,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        return _record_retry(message, code=MessagingErrorCode.INTERNAL, text=type(exc).__name__)
    return _record_success(message, result)


# One task delivering a chunk runs at most this long, then hands the rest to a new task, so no
# task outlives its lease (settings.TASK_LEASE_SECONDS) at a slow send rate.
DELIVER_MANY_SECONDS = 60.0


def outbox_deliver_messages(*, message_ids: list[int]) -> str:
    """Delivers each message of a chunk in turn (outbox_deliver_message: the same claim, rate
    and fencing, so it is safe next to per-message tasks and the sweeper); returns counts."""
    started = time.monotonic()
    outcomes: dict[str, int] = {}
    for index, message_id in enumerate(message_ids):
        if time.monotonic() - started > DELIVER_MANY_SECONDS:
            from kazan.messaging.bulk import delivery_enqueue_many

            delivery_enqueue_many(message_ids[index:])
            outcomes["handed over"] = len(message_ids) - index
            break
        outcome = outbox_deliver_message(message_id=message_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return ", ".join(f"{name}: {count}" for name, count in sorted(outcomes.items()))


# --- the sweeper -----------------------------------------------------------------------------


def outbox_sweep_due(
    *,
    grace_seconds: float = SWEEP_GRACE_SECONDS,
    repeat_seconds: float = SWEEP_REPEAT_SECONDS,
    limit: int = 1000,
) -> int:
    """Enqueues delivery for messages that should be moving but have no task on the way:
    queued rows past their time (a lost or failed task) and `sending` rows whose lease ran out
    (the worker died mid-call). Returns how many were enqueued."""
    from kazan.messaging.services import delivery_enqueue

    now = timezone.now()
    overdue = now - timedelta(seconds=grace_seconds)
    stuck = Q(status=Status.QUEUED, next_attempt_at__lte=overdue) | Q(
        status=Status.QUEUED, next_attempt_at__isnull=True
    )
    stuck |= Q(status=Status.SENDING, lease_expires_at__lte=now)
    not_recently = Q(swept_at__isnull=True) | Q(
        swept_at__lte=now - timedelta(seconds=repeat_seconds)
    )
    due = (
        OutboundMessage.objects.filter(stuck, not_recently)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    enqueued = 0
    for message_id in list(due):
        # A conditional UPDATE: of two sweepers racing, only one enqueues the message.
        if OutboundMessage.objects.filter(not_recently, pk=message_id).update(swept_at=now):
            delivery_enqueue(message_id)
            enqueued += 1
    if enqueued:
        logger.info("outbox sweep enqueued %d messages", enqueued)
    return enqueued

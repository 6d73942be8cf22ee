"""The inbox's server-sent events: one stream per open inbox page, bounded in time.

The app is served by a WSGI server with a fixed number of threads (Procfile: granian, 2
workers × 8 blocking threads), and a stream holds one of them while it lasts. So a stream
ends after STREAM_SECONDS (the browser's EventSource reconnects by itself, after `retry`), and
at most STREAMS_PER_PROCESS run at once in a process; a request beyond that gets an empty
stream that tells the browser to come back later, never a blocked thread. Decision record:
docs/decisions/0016-inbox-live-updates.md.

Events come from Redis pub/sub where REDIS_URL is set (conversations.live publishes on commit,
and a slow sweep of the database catches what was not announced) and otherwise from polling
the business's conversations' `updated_at`.
"""

import json
import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from redis.exceptions import RedisError

from kazan.conversations.live import live_channel, redis_client
from kazan.conversations.queries import threads_changed_since

STREAM_SECONDS = 25
POLL_SECONDS = 1.5
# With Redis, the database is still looked at this often for changes nobody announced.
SWEEP_SECONDS = 5
HEARTBEAT_SECONDS = 10
STREAMS_PER_PROCESS = 4
RETRY_MS = 2000
BUSY_RETRY_MS = 10_000
# A burst of changes (a campaign's answers) is sent as this many events at most per poll.
POLL_BATCH = 50
# A reconnecting browser names the last event it saw (Last-Event-ID, a time): changes since
# then are sent first, reaching back this far at most.
CATCH_UP_SECONDS = 120

logger = logging.getLogger(__name__)
_slots = threading.BoundedSemaphore(STREAMS_PER_PROCESS)


def _stream_seconds() -> float:
    return getattr(settings, "INBOX_STREAM_SECONDS", STREAM_SECONDS)


def _cursor(last_event_id: str, now: datetime) -> datetime:
    """Where a stream starts: the browser's last event time, within reason; else now."""
    try:
        seen = datetime.fromisoformat(last_event_id[:40])
    except ValueError:
        return now
    if timezone.is_naive(seen) or seen > now:
        return now
    return max(seen, now - timedelta(seconds=CATCH_UP_SECONDS))


def inbox_events(*, business_id: int, last_event_id: str = "") -> Iterator[str]:
    """The stream's text: `ready` at once, then a `change` event ({"conversation": id}) for
    every change of one of the business's threads, comments as heartbeats, until the time is
    up. Every event's id is a time, so a reconnect misses nothing in between. Takes a slot
    when the stream starts and gives it back when it ends."""
    if not _slots.acquire(blocking=False):
        yield f"retry: {BUSY_RETRY_MS}\n\n"
        return
    try:
        yield f"retry: {RETRY_MS}\n\n"
        since = _cursor(last_event_id, timezone.now())
        client = redis_client()
        if client is not None:
            yield from _from_redis(client, business_id, since)
        else:
            yield from _from_polling(business_id, since)
    finally:
        _slots.release()


def _event(name: str, data: dict, event_id: datetime) -> str:
    return f"id: {event_id.isoformat()}\nevent: {name}\ndata: {json.dumps(data)}\n\n"


def _changed_since(business_id: int, since: datetime) -> list[tuple[int, datetime]]:
    return threads_changed_since(business_id=business_id, since=since, limit=POLL_BATCH)


def _catch_up(
    business_id: int, since: datetime, announced: dict[int, datetime] | None = None
) -> tuple[list[str], datetime]:
    """Change events for the threads changed after `since`, and the new cursor. Polling sees
    that a thread changed, not how: the page refetches what it shows of it. A change already
    `announced` over Redis (published after its commit, so heard after its `updated_at`) is
    not sent twice."""
    events = []
    announced = announced or {}
    for conversation_id, updated_at in _changed_since(business_id, since):
        since = max(since, updated_at)
        heard = announced.get(conversation_id)
        if heard is None or updated_at > heard:
            events.append(_event("change", {"conversation": conversation_id}, updated_at))
    return events, since


def _from_redis(client, business_id: int, since: datetime) -> Iterator[str]:
    deadline = time.monotonic() + _stream_seconds()
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    try:
        try:
            pubsub.subscribe(live_channel(business_id))
        except RedisError:
            # Redis is away: this stream polls the database like a deployment without it.
            logger.warning("inbox stream falls back to polling", extra={"business_id": business_id})
            yield from _from_polling(business_id, since)
            return
        # Subscribed: nothing published from now on is missed; what happened while the browser
        # reconnected comes from the database.
        events, since = _catch_up(business_id, since)
        yield _event("ready", {}, timezone.now())
        yield from events
        announced: dict[int, datetime] = {}
        quiet_since = next_sweep = time.monotonic()
        while (left := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=min(1.0, left))
            if message is not None and message["type"] == "message":
                data = json.loads(message["data"])
                heard = timezone.now()
                announced[data["conversation"]] = heard
                yield _event("change", data, heard)
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
                yield ": ping\n\n"
                quiet_since = time.monotonic()
            if time.monotonic() - next_sweep >= SWEEP_SECONDS:
                # A writer that changed a thread without announcing it, or an announcement
                # lost while Redis was away: the database says so a little later.
                events, since = _catch_up(business_id, since, announced)
                yield from events
                next_sweep = time.monotonic()
    finally:
        pubsub.close()


def _from_polling(business_id: int, since: datetime) -> Iterator[str]:
    deadline = time.monotonic() + _stream_seconds()
    yield _event("ready", {}, since)
    quiet_since = time.monotonic()
    while True:
        events, since = _catch_up(business_id, since)
        yield from events
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            yield ": ping\n\n"
            quiet_since = time.monotonic()
        if (left := deadline - time.monotonic()) <= 0:
            return
        time.sleep(min(POLL_SECONDS, left))

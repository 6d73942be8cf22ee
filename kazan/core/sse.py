"""Server-sent event streams bounded in time and in number, for the dashboard's live pages
(the team inbox, the Telegram CRM panel). Decision records: docs/decisions/0016 and 0032.

The app is served by a WSGI server with a fixed number of threads (Procfile: granian, 2
workers × 8 blocking threads), and a stream holds one of them while it lasts. So a stream
ends after `stream_seconds` (the browser's EventSource reconnects by itself, after `retry`),
and at most STREAMS_PER_PROCESS run at once in a process, whatever page opened them; a request
beyond that gets an empty stream that tells the browser to come back later, never a blocked
thread.

What changed comes from a `LiveSource`: the database (`changed_since`, polled) and, where the
source names a Redis pub/sub channel and a client, the announcements published there, with a
slower sweep of the database for what nobody announced. Every event's id is a time, so a
reconnecting browser (Last-Event-ID) first gets what changed in between.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from redis.exceptions import RedisError

STREAM_SECONDS = 25
POLL_SECONDS = 1.5
# With Redis, the database is still looked at this often for changes nobody announced.
SWEEP_SECONDS = 5
HEARTBEAT_SECONDS = 10
STREAMS_PER_PROCESS = 4
RETRY_MS = 2000
BUSY_RETRY_MS = 10_000
# A reconnecting browser names the last event it saw (Last-Event-ID, a time): changes since
# then are sent first, reaching back this far at most.
CATCH_UP_SECONDS = 120

logger = logging.getLogger(__name__)
_slots = threading.BoundedSemaphore(STREAMS_PER_PROCESS)


@dataclass(frozen=True)
class Change:
    """One change the database shows: what (`key`, to send it once), the event's data, when."""

    key: Hashable
    data: dict[str, Any]
    at: datetime


@dataclass(frozen=True)
class LiveSource:
    """Where one page's changes come from. `changed_since(since)` lists the changes after
    `since`, oldest first; `channel` and `client` (a Redis client) add instant announcements,
    whose JSON data `key_of` maps to the same key as the database's change."""

    changed_since: Callable[[datetime], list[Change]]
    channel: str = ""
    client: Any = None
    key_of: Callable[[dict[str, Any]], Hashable] = lambda data: None
    poll_seconds: float = POLL_SECONDS
    stream_seconds: float = STREAM_SECONDS
    event_name: str = "change"


def cursor(last_event_id: str, now: datetime) -> datetime:
    """Where a stream starts: the browser's last event time, within reason; else now."""
    try:
        seen = datetime.fromisoformat(last_event_id[:40])
    except ValueError:
        return now
    if timezone.is_naive(seen) or seen > now:
        return now
    return max(seen, now - timedelta(seconds=CATCH_UP_SECONDS))


def event(name: str, data: dict[str, Any], event_id: datetime) -> str:
    return f"id: {event_id.isoformat()}\nevent: {name}\ndata: {json.dumps(data)}\n\n"


def live_events(*, source: LiveSource, last_event_id: str = "") -> Iterator[str]:
    """The stream's text: `retry`, `ready` at once, then one event per change, comments as
    heartbeats, until the time is up. Takes a slot of the process when the stream starts and
    gives it back when it ends."""
    if not _slots.acquire(blocking=False):
        yield f"retry: {BUSY_RETRY_MS}\n\n"
        return
    try:
        yield f"retry: {RETRY_MS}\n\n"
        since = cursor(last_event_id, timezone.now())
        if source.client is not None and source.channel:
            yield from from_redis(source, since)
        else:
            yield from from_polling(source, since)
    finally:
        _slots.release()


def _catch_up(
    source: LiveSource, since: datetime, announced: dict[Hashable, datetime] | None = None
) -> tuple[list[str], datetime]:
    """Events for the changes after `since`, and the new cursor. A change already `announced`
    over Redis (published after its commit, so heard after its time) is not sent twice."""
    events = []
    announced = announced or {}
    for change in source.changed_since(since):
        since = max(since, change.at)
        heard = announced.get(change.key)
        if heard is None or change.at > heard:
            events.append(event(source.event_name, change.data, change.at))
    return events, since


def from_redis(source: LiveSource, since: datetime) -> Iterator[str]:
    deadline = time.monotonic() + source.stream_seconds
    pubsub = source.client.pubsub(ignore_subscribe_messages=True)
    try:
        try:
            pubsub.subscribe(source.channel)
        except RedisError:
            # Redis is away: this stream polls the database like a deployment without it.
            logger.warning("live stream falls back to polling", extra={"channel": source.channel})
            yield from from_polling(source, since)
            return
        # Subscribed: nothing published from now on is missed; what happened while the browser
        # reconnected comes from the database.
        events, since = _catch_up(source, since)
        yield event("ready", {}, timezone.now())
        yield from events
        announced: dict[Hashable, datetime] = {}
        quiet_since = next_sweep = time.monotonic()
        while (left := deadline - time.monotonic()) > 0:
            message = pubsub.get_message(timeout=min(1.0, left))
            if message is not None and message["type"] == "message":
                data = json.loads(message["data"])
                heard = timezone.now()
                announced[source.key_of(data)] = heard
                yield event(source.event_name, data, heard)
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
                yield ": ping\n\n"
                quiet_since = time.monotonic()
            if time.monotonic() - next_sweep >= SWEEP_SECONDS:
                # A writer that changed something without announcing it, or an announcement
                # lost while Redis was away: the database says so a little later.
                events, since = _catch_up(source, since, announced)
                yield from events
                next_sweep = time.monotonic()
    finally:
        pubsub.close()


def from_polling(source: LiveSource, since: datetime) -> Iterator[str]:
    deadline = time.monotonic() + source.stream_seconds
    yield event("ready", {}, since)
    quiet_since = time.monotonic()
    while True:
        events, since = _catch_up(source, since)
        yield from events
        if events:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            yield ": ping\n\n"
            quiet_since = time.monotonic()
        if (left := deadline - time.monotonic()) <= 0:
            return
        time.sleep(min(source.poll_seconds, left))

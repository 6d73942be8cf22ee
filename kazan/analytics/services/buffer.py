"""Counting high-volume anonymous events (landing-page visits and QR scans) without a database
write per request: with Redis, each one is a single RPUSH of a line without personal data
("<business id> <kind> <epoch seconds> <local day>") onto one list; `events_buffered_flush`
(every minute, analytics.tasks) writes them as event rows and adds them to the daily counters
in batches. Without Redis (or with ANALYTICS_BUFFER off) it is the old synchronous write.

Loss window (decision 0019): what Redis holds and has not flushed — at most about a minute of
visits — is lost if Redis itself loses its data, and one batch (BATCH events) if the flushing
task dies between taking the batch and committing it. Nothing is ever counted twice.
"""

import zoneinfo
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from redis.exceptions import RedisError

from kazan.analytics.models import Event
from kazan.analytics.services.events import event_record
from kazan.core.db import atomic_relaxed
from kazan.core.rediscache import redis_client, redis_key
from kazan.tenancy.queries import unscoped_businesses_by_id

if TYPE_CHECKING:
    from redis import Redis

    from kazan.tenancy.models import Business

BUFFER_KEY = "analytics:buffer"
BATCH = 5000
BATCHES_PER_FLUSH = 100
_COUNTER_ROWS_PER_STATEMENT = 500

# Takes up to ARGV[1] lines off the head of the list in one step (no second flusher sees them).
_TAKE = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then redis.call('LTRIM', KEYS[1], #items, -1) end
return items
"""

# One statement per chunk, on PostgreSQL and SQLite alike: a new counter row or an increment.
_COUNTERS_ADD = """
INSERT INTO analytics_dailycount (business_id, kind, day, count) VALUES {rows}
ON CONFLICT (business_id, kind, day) DO UPDATE
SET count = analytics_dailycount.count + EXCLUDED.count
"""


def _redis() -> "tuple[Redis, str] | None":
    """The Redis client and the list's full key, when buffering is on."""
    if not settings.ANALYTICS_BUFFER:
        return None
    client = redis_client()
    return None if client is None else (client, redis_key(BUFFER_KEY))


def event_count(*, business: "Business", kind: str) -> None:
    """Counts one anonymous event (no customer, no data): buffered in Redis when configured,
    else written at once (a counter: its commit need not wait for the disk)."""
    at = timezone.now()
    redis = _redis()
    if redis is not None:
        client, key = redis
        day = at.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
        try:
            client.rpush(key, f"{business.pk} {kind} {at.timestamp():.6f} {day.isoformat()}")
            return
        except RedisError:
            pass  # Redis is away: count it the slow way rather than not at all.
    with atomic_relaxed():
        event_record(business=business, kind=kind, at=at)


def _parse(line: bytes) -> tuple[int, str, datetime, date]:
    business_id, kind, stamp, day = line.decode().split(" ")
    return (
        int(business_id),
        kind,
        datetime.fromtimestamp(float(stamp), tz=UTC),
        date.fromisoformat(day),
    )


def _batch_write(lines: list[bytes]) -> int:
    entries = [_parse(line) for line in lines]
    # A business deleted since its visit takes its counts with it.
    alive = set(
        unscoped_businesses_by_id(ids=sorted({e[0] for e in entries})).values_list("id", flat=True)
    )
    entries = [entry for entry in entries if entry[0] in alive]
    counters: dict[tuple[int, str, date], int] = {}
    for business_id, kind, _at, day in entries:
        counters[(business_id, kind, day)] = counters.get((business_id, kind, day), 0) + 1
    # Always the same order, so two writers never wait on each other's rows in a cycle.
    rows = sorted(counters.items())
    with transaction.atomic():
        Event.objects.bulk_create(
            (
                Event(business_id=business_id, kind=kind, occurred_at=at, data={})
                for business_id, kind, at, _day in entries
            ),
            batch_size=1000,
        )
        with connection.cursor() as cursor:
            for start in range(0, len(rows), _COUNTER_ROWS_PER_STATEMENT):
                chunk = rows[start : start + _COUNTER_ROWS_PER_STATEMENT]
                params: list[int | str | date] = []
                for (business_id, kind, day), count in chunk:
                    params += [business_id, kind, day, count]
                cursor.execute(
                    _COUNTERS_ADD.format(rows=", ".join(["(%s, %s, %s, %s)"] * len(chunk))),
                    params,
                )
    return len(entries)


def events_buffered_flush(*, batches: int = BATCHES_PER_FLUSH) -> int:
    """Writes what the buffer holds (up to `batches` × BATCH events) as event rows and daily
    counts; returns how many events it wrote. Safe to run while visits keep arriving and
    alongside another flusher (each line is taken once)."""
    redis = _redis()
    if redis is None:
        return 0
    client, key = redis
    written = 0
    for _ in range(batches):
        lines = cast("list[bytes]", client.eval(_TAKE, 1, key, BATCH))
        if not lines:
            break
        written += _batch_write(lines)
    return written


def events_buffered_pending() -> int:
    """How many counted events wait in the buffer (for monitoring and tests)."""
    redis = _redis()
    return int(redis[0].llen(redis[1])) if redis is not None else 0


__all__ = ["event_count", "events_buffered_flush", "events_buffered_pending"]

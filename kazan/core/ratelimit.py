"""Fixed-window rate limits that hold across every web process and node.

The count lives in one shared store, incremented atomically so that of any number of parallel
requests exactly `limit` get through in a window:
- Redis when the default cache is Redis (REDIS_URL): INCR and PEXPIRE in one Lua script;
- otherwise the database (core.RateLimitCounter): a single INSERT … ON CONFLICT DO UPDATE …
  RETURNING that starts a new window or adds one hit, on SQLite and PostgreSQL alike.

A window starts with its first hit. On the database a hit counted inside a transaction that
rolls back is undone with it (a refused OTP send inside the conversation's savepoint does not
use up the number's quota); Redis counts every hit. Keys are stored only as a keyed hash, so
callers may put an IP address in a key without it reaching the store.
"""

import time
from datetime import timedelta
from typing import cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection
from django.utils import timezone

from kazan.core.crypto import blind_index
from kazan.core.errors import RateLimited
from kazan.core.models import RateLimitCounter
from kazan.core.rediscache import redis_client, redis_key

KEY_SCOPE = "core.ratelimit"

# Counts one hit and returns the count; a key without an expiry is a new window.
_REDIS_HIT = """
local hits = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return hits
"""


def _redis() -> bool:
    return isinstance(caches["default"], RedisCache)


def _digest(key: str) -> str:
    return blind_index(key, scope=KEY_SCOPE)


def _redis_hit(digest: str, window_seconds: int) -> int:
    client = redis_client()
    assert client is not None  # only called when _redis() said so
    name = redis_key(f"rl:{digest}")
    # Django's cache API has no atomic "add one, expire when new": its Redis client runs ours.
    return int(cast(int, client.eval(_REDIS_HIT, 1, name, window_seconds * 1000)))


# One statement, so atomic on both databases: PostgreSQL's ON CONFLICT waits for a concurrent
# writer of the same key and then updates its committed row; SQLite has one writer at a time.
# Parameters: key, the new window's end, now, now.
_DATABASE_HIT = """
INSERT INTO core_ratelimitcounter ("key", hits, expires_at) VALUES (%s, 1, %s)
ON CONFLICT ("key") DO UPDATE SET
    hits = CASE WHEN core_ratelimitcounter.expires_at <= %s
        THEN 1 ELSE core_ratelimitcounter.hits + 1 END,
    expires_at = CASE WHEN core_ratelimitcounter.expires_at <= %s
        THEN excluded.expires_at ELSE core_ratelimitcounter.expires_at END
RETURNING hits
"""


def _database_hit(digest: str, window_seconds: int) -> int:
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    end = now + timedelta(seconds=window_seconds)
    with connection.cursor() as cursor:
        cursor.execute(_DATABASE_HIT, [digest, adapt(end), adapt(now), adapt(now)])
        return int(cursor.fetchone()[0])


def ratelimit_hit(key: str, *, limit: int, window_seconds: int) -> int:
    """Count one hit; raise RateLimited past `limit` hits in the window. Returns the count."""
    digest = _digest(key)
    if _redis():
        count = _redis_hit(digest, window_seconds)
    else:
        count = _database_hit(digest, window_seconds)
    if count > limit:
        raise RateLimited()
    return count


def ratelimit_wait(key: str, *, limit: int, max_wait: float, window_seconds: int = 1) -> bool:
    """Takes one hit of `key`'s window, waiting up to about `max_wait` seconds for the next
    window when this one is full (senders pacing themselves to a provider's throughput);
    False when no slot freed up in time."""
    step = 0.05
    for attempt in range(max(1, int(max_wait / step)) + 1):
        try:
            ratelimit_hit(key, limit=limit, window_seconds=window_seconds)
            return True
        except RateLimited:
            if attempt * step >= max_wait:
                break
            time.sleep(step)
    return False


# Like _REDIS_HIT, and also the milliseconds left in the window.
_REDIS_HIT_TTL = """
local hits = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {hits, redis.call('PTTL', KEYS[1])}
"""


def ratelimit_hit_window(key: str, *, window_seconds: int) -> tuple[int, int]:
    """Count one hit without refusing; returns (hits in the window, whole seconds until the
    window ends), for callers that announce their limits (API headers) and refuse themselves."""
    digest = _digest(key)
    if _redis():
        client = redis_client()
        assert client is not None
        name = redis_key(f"rl:{digest}")
        hits, ttl_ms = cast(list[int], client.eval(_REDIS_HIT_TTL, 1, name, window_seconds * 1000))
        return int(hits), max(1, -(-int(ttl_ms) // 1000))
    count = _database_hit(digest, window_seconds)
    ends = RateLimitCounter.objects.filter(key=digest).values_list("expires_at", flat=True).first()
    left = (ends - timezone.now()).total_seconds() if ends else window_seconds
    return count, max(1, int(-(-left // 1)))


def ratelimit_reset(key: str) -> None:
    """Forgets the key's window: its next hit counts from one."""
    digest = _digest(key)
    if _redis():
        caches["default"].delete(f"rl:{digest}")
    else:
        RateLimitCounter.objects.filter(key=digest).delete()


def ratelimit_purge(*, now=None) -> int:
    """Deletes the database store's ended windows (Redis expires its own). Returns how many."""
    deleted, _ = RateLimitCounter.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted

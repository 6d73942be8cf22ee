"""Fixed-window rate limits on the shared cache (Redis in production, so all nodes agree)."""

from django.core.cache import cache

from kazan.core.errors import RateLimited


def ratelimit_hit(key: str, *, limit: int, window_seconds: int) -> int:
    """Count one hit; raise RateLimited past `limit` hits in the window. Returns the count."""
    cache_key = f"rl:{key}"
    cache.add(cache_key, 0, timeout=window_seconds)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds)
        count = 1
    if count > limit:
        raise RateLimited()
    return count


def ratelimit_reset(key: str) -> None:
    cache.delete(f"rl:{key}")

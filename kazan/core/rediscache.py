"""The default cache's Redis client, made once per cache instance and reused.

Django's Redis backend builds a new `redis.Redis` object (retry policy, response callbacks) for
every command, which costs more than the round trip itself on a hot path such as the landing
page. These helpers keep one client per cache instance (Django gives each thread its own), on
the backend's own connection pool, and fall back to the plain cache API without Redis.
"""

from typing import TYPE_CHECKING

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache, RedisSerializer

if TYPE_CHECKING:
    from redis import Redis

_CLIENT = "_kazan_client"
# What Django's Redis backend stores values as (pickles, integers as digits).
_SERIALIZER = RedisSerializer()


def redis_client() -> "Redis | None":
    """The default cache's Redis client, or None when the cache is not Redis."""
    store = caches["default"]
    if not isinstance(store, RedisCache):
        return None
    backend = store._cache  # Django's RedisCacheClient: its pool and serializer are reused
    client: Redis | None = backend.__dict__.get(_CLIENT)
    if client is None:
        client = backend.get_client(write=True)
        backend.__dict__[_CLIENT] = client
    return client


def redis_key(key: str) -> str:
    """`key` as the default cache stores it (its prefix and version)."""
    return caches["default"].make_and_validate_key(key)


def cache_get_fast(key: str) -> object:
    """The same as `cache.get(key)`, one reused client instead of a new one per call."""
    store = caches["default"]
    client = redis_client()
    if client is None or not isinstance(store, RedisCache):
        return store.get(key)
    value = client.get(redis_key(key))
    if value is None:
        return None
    # The client is made without decode_responses: a stored value comes back as bytes.
    return _SERIALIZER.loads(value.encode() if isinstance(value, str) else value)

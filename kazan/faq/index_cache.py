"""The matcher's index of a business: built once per version, shared by every process.

The version of a business's FAQs lives in Django's cache (Redis in production, shared by every
process); every write to its FAQs or synonyms bumps it (at once, and again when the
transaction commits, so a process that rebuilt in between from the old rows rebuilds again) and,
on commit, enqueues a task that builds the index of the new version in the worker and stores it
in the shared cache (`index_warm`). A question looks in three places (`index_cached`):

1. this process's indexes (an LRU of PROCESS_CACHE_MAX), keyed by (business id, version): one
   cache read per question and no database query while nothing changed;
2. the shared cache, under the business, the version and the index format (INDEX_FORMAT names
   the matcher's format and the encoder's model, so an index pickled by another release of the
   code is never read): a web process just unpickles what the worker built;
3. a build here, as the last resort (the task has not run yet, or the cache lost the index),
   whose result is shared too.

The phrasings' embeddings are kept in the shared cache as well (`shared_vectors`), so a worker
that restarted re-embeds only the phrasings that changed (decision 0020)."""

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from kazan.faq.matching import INDEX_FORMAT, FaqIndex

logger = logging.getLogger(__name__)

# How many businesses' indexes a process keeps (least recently used go first): a miss costs
# ~30 ms from the shared cache, an index of 50 FAQs takes ~2.5 MB.
PROCESS_CACHE_MAX = 64
# Bump when CachedIndex or FaqCard change (the matcher's own format is in INDEX_FORMAT).
CARDS_FORMAT = 1
CACHE_FORMAT = f"{CARDS_FORMAT}-{INDEX_FORMAT}"
# A shared index outlives its version by at most this (a newer version gets a new key).
SHARED_INDEX_SECONDS = 7 * 24 * 3600
# A phrasing's embedding is kept this long after it was last computed.
SHARED_VECTOR_SECONDS = 30 * 24 * 3600
_VECTOR_BATCH = 500


@dataclass(frozen=True)
class FaqCard:
    """What a reply needs of an active FAQ, kept with the index (no query per answer)."""

    id: int
    question: str
    answer: str
    language: str


@dataclass(frozen=True)
class CachedIndex:
    index: FaqIndex
    cards: dict[str, FaqCard]


_built: "OrderedDict[tuple[int, str], CachedIndex]" = OrderedDict()
_lock = threading.Lock()


def _key(business_id: int) -> str:
    return f"faq:version:{business_id}"


def shared_key(business_id: int, version: str) -> str:
    """Where the shared cache keeps the index of a business's version, in this code's format."""
    return f"faq:index:{CACHE_FORMAT}:{business_id}:{version}"


def version_get(business_id: int) -> str:
    """The current version of the business's FAQs (a new one if the cache lost it)."""
    version = cache.get(_key(business_id))
    if version is None:
        cache.add(_key(business_id), uuid.uuid4().hex, None)
        version = cache.get(_key(business_id)) or "0"
    return str(version)


def version_bump(business_id: int) -> None:
    """Every process rebuilds the business's index on its next question."""

    def bump() -> None:
        cache.set(_key(business_id), uuid.uuid4().hex, None)

    bump()
    transaction.on_commit(bump)


def _shared_get(business_id: int, version: str) -> CachedIndex | None:
    try:
        found = cache.get(shared_key(business_id, version))
    except Exception:  # an index that does not unpickle is rebuilt, never a failed answer
        logger.warning("a shared FAQ index could not be read", exc_info=True)
        return None
    return found if isinstance(found, CachedIndex) else None


def _shared_set(business_id: int, version: str, built: CachedIndex) -> None:
    try:
        cache.set(shared_key(business_id, version), built, SHARED_INDEX_SECONDS)
    except Exception:
        logger.warning("a FAQ index could not be shared", exc_info=True)


def _keep(key: tuple[int, str], built: CachedIndex) -> None:
    with _lock:
        for old in [k for k in _built if k[0] == key[0] and k != key]:
            del _built[old]
        _built[key] = built
        _built.move_to_end(key)
        while len(_built) > PROCESS_CACHE_MAX:
            _built.popitem(last=False)


def index_cached(business_id: int, build: Callable[[], CachedIndex]) -> CachedIndex:
    """The business's index at its current version: this process's, else the shared one, else
    built by `build` (and shared)."""
    version = version_get(business_id)
    key = (business_id, version)
    with _lock:
        found = _built.get(key)
        if found is not None:
            _built.move_to_end(key)
            return found
    found = _shared_get(business_id, version)
    if found is None:
        # The version is read before `build` reads the rows: an index is never kept under a
        # version newer than its rows.
        found = build()
        _shared_set(business_id, version, found)
    _keep(key, found)
    return found


def index_warm(business_id: int, build: Callable[[], CachedIndex]) -> bool:
    """Build and share the index of the business's current version unless it is shared already
    (the task after a write; several writes in a row build once). True when it built."""
    version = version_get(business_id)
    try:
        if cache.has_key(shared_key(business_id, version)):
            return False
    except Exception:
        logger.warning("the shared FAQ index could not be looked up", exc_info=True)
    built = build()
    _shared_set(business_id, version, built)
    _keep((business_id, version), built)
    return True


class _SharedVectors:
    """Phrasings' embeddings in the shared cache (a VectorStore for the encoder)."""

    def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]:
        found: dict[str, bytes] = {}
        for start in range(0, len(keys), _VECTOR_BATCH):
            batch = [f"faq:vector:{k}" for k in keys[start : start + _VECTOR_BATCH]]
            found |= {k.removeprefix("faq:vector:"): v for k, v in cache.get_many(batch).items()}
        return found

    def set_many(self, items: Mapping[str, bytes]) -> None:
        pairs = list(items.items())
        for start in range(0, len(pairs), _VECTOR_BATCH):
            batch = {f"faq:vector:{k}": v for k, v in pairs[start : start + _VECTOR_BATCH]}
            cache.set_many(batch, SHARED_VECTOR_SECONDS)


shared_vectors = _SharedVectors()


def process_cache_clear() -> None:
    """For tests: forget every index this process keeps (as a new process would)."""
    with _lock:
        _built.clear()

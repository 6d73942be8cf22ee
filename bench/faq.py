"""`python -m bench --only faq` (or `python -m bench.faq`): the FAQ matcher on the development sets.

For each set in FAQ_DEV_DIR (default ../shared/faq-dev beside the checkout) it runs, on the same
files in the same run, our matcher (kazan.faq.matching) and two baselines — TF-IDF (character
2–5-grams and word 1–2-grams) + logistic regression, and USE-multilingual embeddings + logistic
regression — scores each with the judge's score.py (imported from the data folder) and prints
in-scope top-1, out-of-scope recall and precision, overall accuracy, the headline means (de, it,
tr, es), then matching latency and index build time with 1,000 FAQs. No data is copied anywhere.

Abstention: ours abstains below its calibrated confidence (kazan/faq/matching/index.py); a
baseline abstains when its top probability is below BASELINE_THRESHOLDS, each threshold picked
on these dev sets by the same rule as ours (the best mean over sets of
min(in-scope / target, OOS recall / 0.80)), so no method is tuned more than another.
"""

import argparse
import importlib.util
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETS = ["xsid-de-dev", "xsid-it-dev", "xsid-tr-dev", "mtod-es-dev", "xsid-en-dev", "clinc150-val"]
HEADLINE = SETS[:4]
BASELINE_THRESHOLDS = {"tfidf+lr": 0.46, "use+lr": 0.44}
# Per query: (answer or None, confidence, the top FAQ even when abstaining).
Prediction = tuple[str | None, float, str | None]
Predict = Callable[[list[tuple[str, str, str | None]]], list[Prediction]]
RECALL_POINT = 0.80


def scorer(directory: Path) -> ModuleType:
    """The judge's score.py, imported from the data folder (never copied)."""
    spec = importlib.util.spec_from_file_location("faq_dev_score", directory / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _ours(faqs_path: Path) -> Predict:
    from kazan.faq.management.commands.faq_eval import faqs_read
    from kazan.faq.matching import index_build

    index = index_build(faqs_read(str(faqs_path)))

    def predict(queries: list[tuple[str, str, str | None]]) -> list[Prediction]:
        results = [index.match(text, language) for _, text, language in queries]
        return [
            (
                r.faq_id,
                r.confidence,
                r.faq_id or (r.suggestions[0].faq_id if r.suggestions else None),
            )
            for r in results
        ]

    return predict


def _baseline(name: str, faqs_path: Path) -> Predict:
    from scipy.sparse import hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from kazan.faq.management.commands.faq_eval import faqs_read
    from kazan.faq.matching import encoder

    entries = faqs_read(str(faqs_path))
    texts = [q for e in entries for q in e.questions]
    labels = [e.id for e in entries for _ in e.questions]
    if name == "tfidf+lr":
        char = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True)
        word = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True)
        char.fit(texts)
        word.fit(texts)

        def features(items: list[str]) -> object:
            return hstack([char.transform(items), word.transform(items)]).tocsr()
    else:

        def features(items: list[str]) -> object:
            return encoder.encode(items)

    classifier = LogisticRegression(C=10, max_iter=3000).fit(features(texts), labels)
    threshold = BASELINE_THRESHOLDS[name]

    def predict(queries: list[tuple[str, str, str | None]]) -> list[Prediction]:
        probabilities = classifier.predict_proba(features([text for _, text, _ in queries]))
        out: list[Prediction] = []
        for row in probabilities:
            best = str(classifier.classes_[int(np.argmax(row))])
            confidence = float(row.max())
            out.append((best if confidence >= threshold else None, confidence, best))
        return out

    return predict


def _score(score: ModuleType, folder: Path, queries: list, predictions: list) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
        for (query_id, _, _), (faq, confidence, _) in zip(queries, predictions, strict=True):
            handle.write(json.dumps({"id": query_id, "faq": faq, "score": float(confidence)}))
            handle.write("\n")
    try:
        return score.score(str(folder / "gold.jsonl"), handle.name, str(folder / "faqs_k10.jsonl"))
    finally:
        os.unlink(handle.name)


def at_recall(folder: Path, queries: list, predictions: list[Prediction]) -> float:
    """In-scope top-1 when each method abstains on exactly enough questions for RECALL_POINT
    out-of-scope recall (the threshold read off the gold: the same oracle operating point for
    every method, which takes each one's own choice of threshold out of the comparison)."""
    gold = {}
    with open(folder / "gold.jsonl", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                gold[row["id"]] = row["faq"]
    scored = [(gold[q[0]], p[1], p[2]) for q, p in zip(queries, predictions, strict=True)]
    oos = sorted(confidence for g, confidence, _ in scored if g is None)
    if not oos:
        return float("nan")
    threshold = oos[min(len(oos) - 1, int(np.ceil(RECALL_POINT * len(oos))) - 1)]
    in_scope = [(g, c, top) for g, c, top in scored if g is not None]
    return sum(c > threshold and top == g for g, c, top in in_scope) / len(in_scope)


def accuracy_run(directory: Path, sets: list[str]) -> dict[str, dict[str, dict]]:
    """{set: {method: score.py's numbers + build seconds}} and a Markdown table on stdout."""
    from kazan.faq.management.commands.faq_eval import queries_read

    score = scorer(directory)
    results: dict[str, dict[str, dict]] = {}
    makers: dict[str, Callable[[Path], Predict]] = {
        "ours": _ours,
        "tfidf+lr": lambda p: _baseline("tfidf+lr", p),
        "use+lr": lambda p: _baseline("use+lr", p),
    }
    for name in sets:
        folder = directory / name
        queries = queries_read(str(folder / "queries.jsonl"))
        results[name] = {}
        for method, make in makers.items():
            started = time.monotonic()
            predict = make(folder / "faqs_k10.jsonl")
            built = time.monotonic() - started
            predictions = predict(queries)
            numbers = _score(score, folder, queries, predictions)
            numbers["build_s"] = built
            numbers["at_recall"] = at_recall(folder, queries, predictions)
            results[name][method] = numbers
            print(f"  {name} {method}: done", file=sys.stderr, flush=True)
    point = f"{RECALL_POINT:.0%}"
    print(
        "| set | method | in-scope top-1 | OOS recall | OOS precision | overall |"
        f" top-1 at {point} OOS recall |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for name in sets:
        for method, m in results[name].items():
            print(
                f"| {name} | {method} | {m['in_scope_top1_accuracy']:.1%} | "
                f"{m['oos_recall']:.1%} | {m['oos_precision']:.1%} | {m['overall_accuracy']:.1%} | "
                f"{m['at_recall']:.1%} |"
            )
    headline = [s for s in HEADLINE if s in results]
    if headline:
        print(
            "\n| headline (mean of de, it, tr, es) | in-scope top-1 | OOS recall |"
            f" top-1 at {point} OOS recall |"
        )
        print("| --- | ---: | ---: | ---: |")
        for method in makers:
            top1, recall, matched = (
                statistics.mean(results[s][method][key] for s in headline)
                for key in ("in_scope_top1_accuracy", "oos_recall", "at_recall")
            )
            print(f"| {method} | {top1:.1%} | {recall:.1%} | {matched:.1%} |")
    return results


def synthetic_faqs(directory: Path, count: int = 1000) -> list:
    """`count` FAQs: every dev FAQ once, then variants of them with a product name added."""
    from kazan.faq.management.commands.faq_eval import faqs_read
    from kazan.faq.matching import FaqEntry

    real = [e for name in SETS for e in faqs_read(str(directory / name / "faqs_k10.jsonl"))]
    out = []
    for i in range(count):
        base = real[i % len(real)]
        if i < len(real):
            out.append(FaqEntry(f"{i}:{base.id}", base.language, base.questions))
        else:
            extra = f"modell{i}"
            questions = tuple(f"{q} {extra}" for q in base.questions)
            out.append(FaqEntry(f"{i}:{base.id}", base.language, questions))
    return out


def latency_run(directory: Path, faqs: int = 1000, queries: int = 500) -> None:
    from kazan.faq.management.commands.faq_eval import queries_read
    from kazan.faq.matching import encoder, index_build

    entries = synthetic_faqs(directory, faqs)
    encoder.encode(["warm up"])  # the model loads once per process, not per index
    started = time.monotonic()
    index = index_build(entries)
    built = time.monotonic() - started
    texts = [
        (text, language)
        for name in SETS
        for _, text, language in queries_read(str(directory / name / "queries.jsonl"))[:100]
    ][:queries]
    timings, cpu = [], []
    for text, language in texts:
        started, started_cpu = time.perf_counter(), time.thread_time()
        index.match(text, language)
        timings.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
    timings.sort()
    cpu.sort()

    def pct(p: float, values: list[float] | None = None) -> float:
        values = timings if values is None else values
        return values[min(len(values) - 1, int(p * len(values)))]

    questions = sum(len(e.questions) for e in entries)
    print(f"\n## Matching latency, {faqs} FAQs ({questions} phrasings), {len(timings)} questions\n")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"load average at the end (1, 5, 15 min): {load} on {os.cpu_count()} cores\n")
    print("| | index build | p50 | p95 | p99 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    print(
        f"| wall clock | {built:.1f} s | {pct(0.5):.1f} ms | {pct(0.95):.1f} ms"
        f" | {pct(0.99):.1f} ms |"
    )
    print(
        f"| CPU time of the matching thread | | {pct(0.5, cpu):.1f} ms | {pct(0.95, cpu):.1f} ms"
        f" | {pct(0.99, cpu):.1f} ms |"
    )


def faq_run(sets: list[str] | None = SETS, latency: bool = True) -> None:
    from kazan.faq.testing import faq_dev_dir

    directory = faq_dev_dir()
    if not (directory / "score.py").is_file():
        raise SystemExit(f"FAQ dev data not found in {directory} (set FAQ_DEV_DIR)")
    if sets:
        print(f"## FAQ matching on the dev sets (K=10; {directory})\n")
        accuracy_run(directory, sets)
    if latency:
        latency_run(directory)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.faq")
    parser.add_argument("--sets", default=",".join(SETS), help="comma-separated; '' for none")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kazan.settings")
    import django

    django.setup()
    faq_run([name for name in args.sets.split(",") if name], latency=not args.no_latency)


if __name__ == "__main__":
    main()

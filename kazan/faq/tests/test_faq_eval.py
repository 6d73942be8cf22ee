"""`manage.py faq_eval`: the exact file contract of ../shared/faq-dev/README.md, clear errors on
bad input, and a floor on a real dev set scored by the judge's score.py."""

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from kazan.faq.testing import faq_dev_dir

FAQS = [
    {
        "id": "hours",
        "language": "en",
        "answer": "9–18",
        "questions": [
            "What are your opening hours?",
            "When are you open?",
            "What time do you close?",
        ],
    },
    {
        "id": "wifi",
        "language": "en",
        "answer": "yes",
        "questions": ["Do you have wifi?", "What is the wifi password?", "Is there internet here?"],
    },
    {
        "id": "oat",
        "language": "de",
        "answer": "ja",
        "questions": [
            "Habt ihr Hafermilch?",
            "Gibt es pflanzliche Milch?",
            "Kaffee mit Hafermilch?",
        ],
    },
]
QUERIES = [
    {"id": "q1", "text": "when do you open tomorrow?", "language": "en"},
    {"id": "q2", "text": "Gibt es Hafermilch?", "language": "de"},
    {"id": "q3", "text": "What is the capital of Mongolia?", "language": "en"},
    {"id": "q4", "text": "", "language": "en"},
    {"id": "q5", "text": "wifi password please"},
]


def _write(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def files(tmp_path):
    return _write(tmp_path / "faqs.jsonl", FAQS), _write(tmp_path / "queries.jsonl", QUERIES)


def test_writes_one_prediction_per_query_in_the_exact_format(files, tmp_path):
    faqs, queries = files
    out = tmp_path / "predictions.jsonl"
    call_command("faq_eval", "--faqs", str(faqs), "--queries", str(queries), "--out", str(out))
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == [q["id"] for q in QUERIES]
    for row in rows:
        assert set(row) == {"id", "faq", "score"}
        assert row["faq"] is None or row["faq"] in {f["id"] for f in FAQS}
        assert isinstance(row["score"], float) and math.isfinite(row["score"])
    by_id = {r["id"]: r["faq"] for r in rows}
    assert by_id == {"q1": "hours", "q2": "oat", "q3": None, "q4": None, "q5": "wifi"}


@pytest.mark.parametrize(
    ("faq_lines", "message"),
    [
        (["{not json"], "line 1: not JSON"),
        (['["a list"]'], "not a JSON object"),
        (['{"id": "a", "language": "en"}'], "'questions' must be a non-empty list"),
        (['{"id": "a", "questions": []}'], "'questions' must be a non-empty list"),
        (['{"id": 3, "questions": ["x"]}'], "'id' must be a non-empty string"),
        (['{"id": "a", "questions": ["x"]}', '{"id": "a", "questions": ["y"]}'], "duplicate id"),
        ([""], "no rows"),
    ],
)
def test_rejects_a_bad_faq_file_with_a_clear_message(files, tmp_path, faq_lines, message):
    _, queries = files
    faqs = tmp_path / "bad.jsonl"
    faqs.write_text("\n".join(faq_lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    with pytest.raises(CommandError, match=message):
        call_command("faq_eval", "--faqs", str(faqs), "--queries", str(queries), "--out", str(out))
    assert not out.exists()


@pytest.mark.parametrize(
    ("query_lines", "message"),
    [
        (['{"id": "q", "text": 5}'], "'text' must be a string"),
        (['{"text": "hello"}'], "'id' must be a non-empty string"),
        (['{"id": "q", "text": "a"}', '{"id": "q", "text": "b"}'], "duplicate id"),
    ],
)
def test_rejects_a_bad_query_file(files, tmp_path, query_lines, message):
    faqs, _ = files
    queries = tmp_path / "bad.jsonl"
    queries.write_text("\n".join(query_lines) + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command(
            "faq_eval", "--faqs", str(faqs), "--queries", str(queries), "--out", str(tmp_path / "o")
        )


def test_unreadable_files_are_named_in_the_error(files, tmp_path):
    faqs, queries = files
    latin1 = tmp_path / "latin1.jsonl"
    latin1.write_bytes('{"id": "a", "questions": ["Öl"]}\n'.encode("latin-1"))
    for faq_path, query_path in [(latin1, queries), (faqs, tmp_path)]:
        with pytest.raises(CommandError, match="cannot read"):
            call_command(
                "faq_eval",
                "--faqs", str(faq_path),
                "--queries", str(query_path),
                "--out", str(tmp_path / "o"),
            )  # fmt: skip
    with pytest.raises(CommandError, match="does not exist"):
        call_command(
            "faq_eval",
            "--faqs", str(faqs),
            "--queries", str(queries),
            "--out", str(tmp_path / "no" / "such" / "dir.jsonl"),
        )  # fmt: skip


def test_a_missing_file_exits_non_zero_without_a_traceback(files, tmp_path):
    _, queries = files
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "manage.py",
            "faq_eval",
            "--faqs",
            str(tmp_path / "missing.jsonl"),
            "--queries",
            str(queries),
            "--out",
            str(tmp_path / "o"),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert "cannot read" in done.stderr and "missing.jsonl" in done.stderr


def test_a_dev_set_scores_above_a_floor(tmp_path):
    folder = faq_dev_dir() / "xsid-de-dev"
    if not (folder / "gold.jsonl").is_file():
        pytest.skip(f"FAQ dev data not in {folder.parent} (set FAQ_DEV_DIR)")
    out = tmp_path / "predictions.jsonl"
    call_command(
        "faq_eval",
        "--faqs",
        str(folder / "faqs_k10.jsonl"),
        "--queries",
        str(folder / "queries.jsonl"),
        "--out",
        str(out),
    )
    spec = importlib.util.spec_from_file_location("faq_dev_score", folder.parent / "score.py")
    assert spec and spec.loader
    score = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(score)
    numbers = score.score(str(folder / "gold.jsonl"), str(out), str(folder / "faqs_k10.jsonl"))
    assert numbers["in_scope_top1_accuracy"] >= 0.80
    assert numbers["oos_recall"] >= 0.60

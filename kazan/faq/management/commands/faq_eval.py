"""`manage.py faq_eval --faqs FAQS.jsonl --queries QUERIES.jsonl --out PREDICTIONS.jsonl`

The offline evaluation of the FAQ matcher (contract: ../shared/faq-dev/README.md). Reads FAQs
and customer messages as JSON Lines, builds the matcher's index from the FAQs alone and writes
one prediction a line, `{"id": query id, "faq": FAQ id or null, "score": confidence}`, in the
order of the queries. A file that cannot be read or is not in the format stops the command with
a message naming the file and line (exit status 1), never a traceback."""

import json
import math
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kazan.faq.matching import FaqEntry, index_build


def _rows(path: str, what: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.readlines()
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{what}: cannot read {path}: {error}") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"{what} {path} line {number}: not JSON ({error})") from None
        if not isinstance(row, dict):
            raise CommandError(f"{what} {path} line {number}: not a JSON object")
        rows.append((number, row))
    if not rows:
        raise CommandError(f"{what} {path}: no rows")
    return rows


def _text(row: dict[str, Any], key: str, where: str, optional: bool = False) -> Any:
    value = row.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or (key == "id" and not value):
        raise CommandError(f"{where}: '{key}' must be a non-empty string")
    return value


def _rows_with_ids(path: str, what: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(where, id, row) of each line, in order; a missing or repeated id stops the command at
    its line."""
    seen: set[str] = set()
    for number, row in _rows(path, what):
        where = f"{what} {path} line {number}"
        row_id = _text(row, "id", where)
        if row_id in seen:
            raise CommandError(f"{where}: duplicate id {row_id!r}")
        seen.add(row_id)
        yield where, row_id, row


def faqs_read(path: str) -> list[FaqEntry]:
    """FAQ lines → matcher entries; ids unique, 1+ string questions each."""
    entries = []
    for where, faq_id, row in _rows_with_ids(path, "FAQs"):
        questions = row.get("questions")
        if (
            not isinstance(questions, list)
            or not questions
            or not all(isinstance(q, str) for q in questions)
        ):
            raise CommandError(f"{where}: 'questions' must be a non-empty list of strings")
        language = _text(row, "language", where, optional=True) or ""
        entries.append(FaqEntry(faq_id, language.lower(), tuple(questions)))
    return entries


def queries_read(path: str) -> list[tuple[str, str, str | None]]:
    """Query lines → (id, text, language or None); ids unique."""
    queries = []
    for where, query_id, row in _rows_with_ids(path, "queries"):
        text = row.get("text")
        if not isinstance(text, str):
            raise CommandError(f"{where}: 'text' must be a string")
        language = _text(row, "language", where, optional=True)
        queries.append((query_id, text, language.lower() if language else None))
    return queries


class Command(BaseCommand):
    help = "Match each query of a JSON Lines file against a JSON Lines FAQ file (offline)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--faqs", required=True, help="FAQs, JSON Lines")
        parser.add_argument("--queries", required=True, help="customer messages, JSON Lines")
        parser.add_argument("--out", required=True, help="predictions to write, JSON Lines")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        entries = faqs_read(options["faqs"])
        queries = queries_read(options["queries"])
        out = Path(options["out"])
        if out.parent and not out.parent.is_dir():
            raise CommandError(f"--out: the folder {out.parent} does not exist")
        index = index_build(entries)
        built = time.monotonic()
        lines = []
        for query_id, text, language in queries:
            result = index.match(text, language)
            score = result.confidence if math.isfinite(result.confidence) else 0.0
            lines.append(json.dumps({"id": query_id, "faq": result.faq_id, "score": score}))
        partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
        try:
            partial.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
            partial.replace(out)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"--out: cannot write {out}: {error}") from None
        self.stderr.write(
            f"faq_eval: {len(entries)} FAQs indexed in {built - started:.1f} s, "
            f"{len(queries)} queries matched in {time.monotonic() - built:.1f} s → {out}"
        )

"""python manage.py agent_eval --catalog CATALOG.json --dialogs DIALOGS.jsonl --out OUT.jsonl"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kazan.agent.evaluation.catalog import CatalogError

HELP = """Runs the shopping agent offline on dialogs and writes each turn's tool calls and reply.

CATALOG.json: {"business": {"name", "language", "currency", "timezone"},
  "categories": [{"key", "name", "description", "parent": key|null}],
  "products": [{"key", "name", "kind": product|service|event, "category": key, "price": "55.00",
    "currency", "stock": int|null, "description", "attributes": {name: text}, "retailer_id",
    "duration_minutes", "starts_in_days", "starts_at_hour", "hours",
    "variants": [{"name", "price", "stock", "options", "retailer_id"}]}],
  "faqs": [{"question", "answer", "language", "alternatives": []}]}
DIALOGS.jsonl: one JSON object a line: {"id", "language", "turns": [customer texts],
  "expected": [[{"name", "arguments"}], ...] (optional, one list of calls per turn;
  "@<product key>" stands for the product's id, "@today" / "@today+N" for a day)}.
OUT.jsonl: one line per turn: {"dialog", "turn", "text", "tool_calls": [{"name",
  "arguments"}], "reply"} (+ "expected", "match" when expected).
The catalog is built in a throwaway business inside a transaction rolled back at the end; each
dialog is a new registered, consenting WhatsApp customer talking to the real agent step.
With expectations it prints the accuracy: the turns whose tool names match, and whose names and
expected arguments match."""


def _load_dialogs(path: Path) -> list[dict[str, Any]]:
    dialogs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            dialog = json.loads(line)
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}:{number}: not JSON ({error.msg})") from error
        if not isinstance(dialog, dict) or not isinstance(dialog.get("turns"), list):
            raise CommandError(f"{path}:{number}: a dialog needs a list of turns")
        dialogs.append(dialog)
    return dialogs


class Command(BaseCommand):
    help = HELP

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        from argparse import RawDescriptionHelpFormatter

        kwargs["formatter_class"] = RawDescriptionHelpFormatter
        return super().create_parser(prog_name, subcommand, **kwargs)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--catalog", required=True, type=Path)
        parser.add_argument("--dialogs", required=True, type=Path)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--engine", choices=["local", "llm"], default="local")
        parser.add_argument("--language", default="", help="Every dialog in this language.")

    def handle(self, *args: Any, **options: Any) -> None:
        from kazan.agent.evaluation.runner import evaluate

        try:
            catalog = json.loads(Path(options["catalog"]).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise CommandError(f"cannot read the catalog: {error}") from error
        if not isinstance(catalog, dict):
            raise CommandError("the catalog must be a JSON object")
        try:
            dialogs = _load_dialogs(Path(options["dialogs"]))
        except OSError as error:
            raise CommandError(f"cannot read the dialogs: {error}") from error
        score = None
        try:
            with Path(options["out"]).open("w", encoding="utf-8") as out:
                for row, score in evaluate(  # noqa: B007 (the last score is printed)
                    catalog=catalog,
                    dialogs=dialogs,
                    engine=options["engine"],
                    language=options["language"],
                ):
                    out.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
        except CatalogError as error:
            raise CommandError(f"bad catalog: {error}") from error
        if score is None:
            self.stdout.write("No turns.")
            return
        self.stdout.write(f"{len(dialogs)} dialogs, {score.turns} turns → {options['out']}")
        if score.scored:
            self.stdout.write(
                f"tool names: {score.names_ok}/{score.scored} "
                f"({100 * score.names_ok / score.scored:.1f} %); "
                f"names and arguments: {score.full_ok}/{score.scored} "
                f"({100 * score.full_ok / score.scored:.1f} %)"
            )
            for lang, (n, names_ok, full_ok) in sorted(score.by_language.items()):
                self.stdout.write(
                    f"  {lang}: {names_ok}/{n} names ({100 * names_ok / n:.1f} %), "
                    f"{full_ok}/{n} full ({100 * full_ok / n:.1f} %)"
                )

"""agent_eval end to end on a tiny catalog and dialog set: the output lines, the accuracy, the
rollback (nothing stays behind) and clear errors for bad files."""

import json

import pytest
from django.core.management import CommandError, call_command

from kazan.agent.evaluation.runner import calls_match
from kazan.commerce.models import Product
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db(transaction=True)

CATALOG = {
    "business": {"name": "Tiny shop", "language": "en", "currency": "EUR"},
    "categories": [{"key": "sweets", "name": "Sweets"}],
    "products": [
        {"key": "cannoli", "name": "Cannoli", "category": "sweets", "price": "18.00",
         "stock": 5, "attributes": {"taste": "sweet"}, "description": "Ricotta cannoli."},
        {"key": "tasting", "name": "Wine tasting", "kind": "event", "price": "35",
         "starts_in_days": 1, "description": "An evening of Sicilian wines."},
    ],
    "faqs": [{"question": "How long does delivery take?", "answer": "Two days.",
              "language": "en"}],
}  # fmt: skip
DIALOGS = [
    {
        "id": "d1",
        "language": "en",
        "turns": ["Add two cannoli", "yes", "Any events tomorrow?", "tell me a joke"],
        "expected": [
            [{"name": "add_to_cart", "arguments": {"product_id": "@cannoli", "quantity": 2}}],
            [{"name": "create_order", "arguments": {}}],
            [{"name": "get_event_by_date", "arguments": {"date": "@today+1"}}],
            [{"name": "get_product_list", "arguments": {}}],  # wrong on purpose
        ],
    },
    {"id": "d2", "language": "en", "turns": ["How long does delivery take?"]},
]


def test_agent_eval_end_to_end(tmp_path, capsys):
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(CATALOG))
    dialogs = tmp_path / "dialogs.jsonl"
    dialogs.write_text("\n".join(json.dumps(d) for d in DIALOGS) + "\n")
    out = tmp_path / "out.jsonl"
    businesses = Business.objects.count()
    call_command("agent_eval", catalog=str(catalog), dialogs=str(dialogs), out=str(out))
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["dialog"], r["turn"]) for r in rows] == [
        ("d1", 1), ("d1", 2), ("d1", 3), ("d1", 4), ("d2", 1)
    ]  # fmt: skip
    first = rows[0]
    assert first["tool_calls"][0]["name"] == "add_to_cart" and first["match"] is True
    assert "Cannoli" in first["reply"]
    assert rows[1]["tool_calls"] == [{"name": "create_order", "arguments": {}}]
    assert "/link/" in rows[1]["reply"]
    assert rows[3]["match"] is False
    assert rows[4]["tool_calls"][0]["name"] == "get_faq_info" and "Two days." in rows[4]["reply"]
    printed = capsys.readouterr().out
    assert "names and arguments: 3/4 (75.0 %)" in printed
    # Rolled back: no business or product stays.
    assert Business.objects.count() == businesses and not Product.objects.exists()


def test_bad_files_are_clear_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{nope")
    dialogs = tmp_path / "d.jsonl"
    dialogs.write_text('{"id": 1}\n')
    with pytest.raises(CommandError, match="cannot read the catalog"):
        call_command("agent_eval", catalog=str(bad), dialogs=str(dialogs), out="/dev/null")
    bad.write_text(json.dumps({"products": [{"name": "X", "price": "1", "category": "nope"}]}))
    with pytest.raises(CommandError, match="a dialog needs a list of turns"):
        call_command("agent_eval", catalog=str(bad), dialogs=str(dialogs), out="/dev/null")
    dialogs.write_text('{"id": 1, "turns": ["hi"]}\n')
    with pytest.raises(CommandError, match="unknown category"):
        call_command("agent_eval", catalog=str(bad), dialogs=str(dialogs), out="/dev/null")


def test_calls_match():
    want = [{"name": "get_product_list", "arguments": {"max_price": 55, "preference": "sweet"}}]
    got = [{"name": "get_product_list", "arguments": {"max_price": "55.00", "preference": "Sweet",
                                                        "query": "x"}}]  # fmt: skip
    assert calls_match(want, got) == (True, True)
    assert calls_match(want, [{"name": "get_product_list", "arguments": {}}]) == (True, False)
    assert calls_match(want, []) == (False, False)

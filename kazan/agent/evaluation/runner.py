"""Running dialogs through the real agent step and scoring them against expectations."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from kazan.agent.engines.base import ExecutedCall
from kazan.agent.nlu.text import fold
from kazan.agent.step import RECORDER

_REF = re.compile(r"^@(?P<key>[a-z0-9_\-]+)(?:\+(?P<days>\d+))?$", re.I)


EVAL_ADDRESS = {"street": "Via Roma 1", "city": "Palermo", "postal_code": "90100", "country": "IT"}


@dataclass
class Score:
    turns: int = 0
    scored: int = 0
    names_ok: int = 0
    full_ok: int = 0
    by_language: dict[str, list[int]] = field(default_factory=dict)

    def add(self, language: str, names_ok: bool, full_ok: bool) -> None:
        self.scored += 1
        self.names_ok += names_ok
        self.full_ok += full_ok
        counts = self.by_language.setdefault(language, [0, 0, 0])
        counts[0] += 1
        counts[1] += names_ok
        counts[2] += full_ok


def resolve(value: Any, products: dict[str, int], today: dt.date) -> Any:
    """ "@key" → the product's id, "@today(+N)" → the ISO day; lists and dicts recursively."""
    if isinstance(value, list):
        return [resolve(v, products, today) for v in value]
    if isinstance(value, dict):
        return {k: resolve(v, products, today) for k, v in value.items()}
    if isinstance(value, str) and (match := _REF.match(value)):
        key = match.group("key")
        if key.lower() == "today":
            return (today + dt.timedelta(days=int(match.group("days") or 0))).isoformat()
        if key in products:
            return products[key]
    return value


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected == actual
    try:
        return Decimal(str(expected)) == Decimal(str(actual))
    except (InvalidOperation, ValueError):
        pass
    if isinstance(expected, str) and isinstance(actual, str):
        return fold(expected).strip() == fold(actual).strip()
    return bool(expected == actual)


def calls_match(expected: list[dict[str, Any]], actual: list[dict[str, Any]]) -> tuple[bool, bool]:
    """(names match, names and arguments match). The expected arguments must all be there with
    equal values (numbers compared as numbers, texts without case or accents); arguments the
    engine adds beyond them are allowed."""
    names = [c.get("name") for c in expected] == [c.get("name") for c in actual]
    if not names:
        return False, False
    for want, got in zip(expected, actual, strict=True):
        given = got.get("arguments") or {}
        for key, value in (want.get("arguments") or {}).items():
            if key not in given or not _same(value, given[key]):
                return True, False
    return True, True


def _reply_text(replies: list[dict[str, Any]]) -> str:
    parts = []
    for reply in replies:
        if reply.get("text"):
            parts.append(str(reply["text"]))
        for link in reply.get("links") or []:
            parts.append(f"{link.get('label', '')}: {link.get('url', '')}")
        for choice in reply.get("choices") or []:
            parts.append(f"[{choice.get('label', '')}]")
    return "\n".join(parts)


def _shopper(business: Any, index: int, language: str) -> str:
    """A registered WhatsApp customer who gave the data-processing consent (the gates pass)."""
    from kazan.customers.services import customer_get_or_create_by_phone, identity_attach
    from kazan.customers.services.registration import customer_register

    phone = f"+3460{index:07d}"
    customer, _created = customer_get_or_create_by_phone(
        business=business, phone=phone, name="Eva Luación", language=language, channel="whatsapp"
    )
    identity_attach(business=business, customer=customer, channel="whatsapp", external_id=phone)
    customer_register(
        business=business,
        customer=customer,
        name="Eva Luación",
        email=f"eval{index}@example.invalid",
        address=EVAL_ADDRESS,
        language=language,
        data_processing_consent=True,
        marketing_consent=False,
        channel="whatsapp",
        data_processing_wording="Evaluation: data processing.",
    )
    return phone


class _Rollback(Exception):
    pass


def evaluate(
    *,
    catalog: dict[str, Any],
    dialogs: list[dict[str, Any]],
    engine: str = "local",
    language: str = "",
) -> Iterator[tuple[dict[str, Any], Score]]:
    """Yields one output row per turn (with the running score); everything written is rolled
    back at the end."""
    from kazan.agent.evaluation.catalog import business_build, catalog_build
    from kazan.agent.models import AgentSettings
    from kazan.agent.services import shop_flow_ensure
    from kazan.conversations.engine import Inbound
    from kazan.conversations.services import conversation_receive

    score = Score()
    rows: list[tuple[dict[str, Any], Score]] = []
    try:
        with transaction.atomic():
            business = business_build(catalog)
            products = catalog_build(business, catalog)
            AgentSettings.objects.create(business=business, engine=engine)
            shop_flow_ensure(business=business)
            today = business.today()
            for index, dialog in enumerate(dialogs, start=1):
                lang = language or str(dialog.get("language") or business.language)
                phone = _shopper(business, index, lang)
                expected_turns = dialog.get("expected")
                for number, text in enumerate(dialog.get("turns") or [], start=1):
                    recorded: list[ExecutedCall] = []
                    token = RECORDER.set(recorded)
                    try:
                        received = conversation_receive(
                            business=business,
                            channel="whatsapp",
                            handle=phone,
                            inbound=Inbound(text=str(text)[:1000]),
                            language=lang,
                        )
                    finally:
                        RECORDER.reset(token)
                    calls = [{"name": c.name, "arguments": c.arguments} for c in recorded]
                    row: dict[str, Any] = {
                        "dialog": dialog.get("id", index),
                        "turn": number,
                        "text": text,
                        "tool_calls": calls,
                        "reply": _reply_text(received.replies),
                    }
                    score.turns += 1
                    if isinstance(expected_turns, list) and number <= len(expected_turns):
                        want = resolve(expected_turns[number - 1] or [], products, today)
                        names_ok, full_ok = calls_match(want, calls)
                        score.add(lang, names_ok, full_ok)
                        row["expected"] = want
                        row["match"] = full_ok
                    rows.append((row, score))
            raise _Rollback
    except _Rollback:
        pass
    yield from rows

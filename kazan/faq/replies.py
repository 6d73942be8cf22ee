"""The chat replies of the FAQ engine, channel-neutral like the engine's own:

- an answer: {"type": "text", "text": plain text (links as "label: url"), "html": sanitized HTML}
  — a web renderer shows `html`, every other channel `text`;
- "Did you mean …?": a text and a `choices` reply whose options carry `"command": "faq:<id>"`;
  the client answers with the payload {"command": "faq:<id>"} (the value is the same, so a
  channel that sends back {"choice": value} works too)."""

from django.utils.translation import gettext

from kazan.faq.index_cache import FaqCard
from kazan.faq.queries import FaqMatch
from kazan.faq.richtext import answer_html, answer_text

COMMAND_PREFIX = "faq:"


def answer_reply(card: FaqCard) -> dict:
    return {"type": "text", "text": answer_text(card.answer), "html": answer_html(card.answer)}


def suggestions_replies(match: FaqMatch) -> list[dict]:
    return [
        {"type": "text", "text": gettext("Did you mean one of these?")},
        {
            "type": "choices",
            "choices": [
                {
                    "value": f"{COMMAND_PREFIX}{hit.id}",
                    "label": hit.card.question,
                    "command": f"{COMMAND_PREFIX}{hit.id}",
                }
                for hit in match.choices
            ],
        },
    ]


def match_replies(match: FaqMatch) -> list[dict] | None:
    """The replies to a match: the answer, the choices, or None (the matcher abstained)."""
    if match.outcome == "answered" and match.best is not None:
        return [answer_reply(match.best.card)]
    if match.outcome == "suggested" and match.choices:
        return suggestions_replies(match)
    return None


def command_faq_id(value: object) -> int | None:
    """The FAQ id of a "faq:<id>" command, else None."""
    if not isinstance(value, str) or not value.startswith(COMMAND_PREFIX):
        return None
    tail = value[len(COMMAND_PREFIX) :]
    return int(tail) if tail.isdigit() and len(tail) < 12 else None

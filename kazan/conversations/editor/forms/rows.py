"""The editor's rows: a saved flow as the steps the editor shows, and new steps, options and
links. Steps the editor does not edit (the funnel's actions and branches) become read-only rows
that say in words what they do."""

from dataclasses import dataclass, field

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.conversations.engine import step_targets

MAX_STEPS = 40
MAX_OPTIONS = 10
MAX_LINKS = 5
LABEL_MAX = 80
NAME_MAX = 80
EDITABLE_TYPES = ("say", "ask", "choose", "link", "handoff", "end")
# The field that carries a step's main text, per type (end has none).
TEXT_KEY = {"say": "text", "ask": "prompt", "choose": "prompt", "link": "text", "handoff": "text"}
LINK_KINDS = ("url", "whatsapp", "form")


def step_type_labels() -> dict[str, str]:
    return {
        "say": gettext("Say"),
        "ask": gettext("Ask"),
        "choose": gettext("Options"),
        "link": gettext("Links"),
        "handoff": gettext("Hand over to a person"),
        "end": gettext("End"),
    }


# What the funnel's actions do, in words (the editor's read-only steps and the preview).
ACTION_LABELS = {
    "data_entered": _("note that the guest entered their details"),
    "consent_prepare": _("prepare the privacy notice and the offers consent"),
    "otp_send": _("send a confirmation code by SMS"),
    "customer_register": _("save the guest as a customer"),
    "review_submit": _("save the review"),
    "google_review_invite": _("invite the guest to review on Google"),
    "voucher_welcome": _("issue the welcome voucher"),
    "thanks": _("say thank you with your links"),
    # kazan.faq registers it: a flow asks "What would you like to know?", the FAQ answers.
    "faq_answer": _("answer the question from the FAQ"),
}


def action_label(name: str) -> str:
    return str(ACTION_LABELS.get(name, name))


def languages_for(business) -> list[tuple[str, str]]:
    """The offered languages, the business's own first (its texts are required)."""
    return sorted(settings.LANGUAGES, key=lambda item: item[0] != business.language)


def texts_from(value, languages: list[tuple[str, str]]) -> dict[str, str]:
    """A stored text as {language: text}: a dict as it is; a text from code (an English msgid)
    in every language it is translated into, so editing starts from what guests read."""
    if isinstance(value, dict):
        return {code: str(value.get(code) or "") for code, _name in languages}
    if not value:
        return {}
    texts = {}
    for code, _name in languages:
        with translation.override(code):
            translated = gettext(str(value))
        if code == "en" or translated != str(value):
            texts[code] = translated
    return texts


@dataclass
class StepRow:
    """One step as the editor shows it."""

    name: str
    type: str
    texts: dict[str, str] = field(default_factory=dict)
    var: str = ""
    var_locked: bool = False
    next: str = ""
    options: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    # A step the editor keeps as it is (an action, a branch): what it does, in words.
    locked: str = ""
    # The step shows the business's own text from the settings where one is written.
    settings_text: bool = False
    errors: list[str] = field(default_factory=list)

    @property
    def has_next(self) -> bool:
        return self.type in ("say", "ask", "choose", "link")


def step_order(definition: dict) -> list[str]:
    """The steps in the editor's order: as saved in "order" (PostgreSQL's jsonb keeps no key
    order), else as a guest meets them from the start, then any left over by name."""
    steps = definition.get("steps", {})
    order = definition.get("order")
    if isinstance(order, list) and sorted(order) == sorted(steps):
        return list(order)
    seen: list[str] = []
    pending = [str(definition.get("start"))]
    while pending:
        name = pending.pop(0)
        if name in steps and name not in seen:
            seen.append(name)
            pending[:0] = step_targets(steps[name])
    return seen + sorted(name for name in steps if name not in seen)


def rows_from_definition(definition: dict, languages) -> list[StepRow]:
    """A saved definition as editor rows, the start step first."""
    steps = definition.get("steps", {})
    return [row_from_step(name, steps[name], languages) for name in step_order(definition)]


def row_from_step(name: str, step: dict, languages) -> StepRow:
    kind = step.get("type", "")
    if kind not in EDITABLE_TYPES:
        locked = (
            gettext("Here the bot will: %(action)s") % {"action": action_label(step["action"])}
            if kind == "act"
            else gettext("Goes on depending on the answers so far.")
            if kind == "branch"
            else gettext("A step of type %(type)s.") % {"type": kind}
        )
        return StepRow(name=name, type=kind, locked=locked)
    row = StepRow(
        name=name,
        type=kind,
        texts=texts_from(step.get(TEXT_KEY.get(kind, "")), languages),
        var=str(step.get("var") or ""),
        var_locked=kind == "ask" and step.get("input", "text") != "text",
        next=str(step.get("next") or ""),
        settings_text="text_attr" in step,
    )
    for choice in step.get("choices", []):
        row.options.append(
            {
                "value": str(choice.get("value", "")),
                "labels": texts_from(choice.get("label"), languages),
                "next": str(choice.get("next") or ""),
            }
        )
    for link in step.get("links", []):
        kind_of = next((k for k in ("whatsapp", "form") if k in link), "url")
        row.links.append(
            {
                "kind": kind_of,
                "labels": texts_from(link.get("label"), languages),
                "target": str(link.get("url") or link.get(kind_of) or ""),
                "texts": texts_from(link.get("text"), languages),
            }
        )
    return row


def new_row(kind: str, existing: set[str]) -> StepRow:
    number = len(existing) + 1
    while f"step_{number}" in existing:
        number += 1
    row = StepRow(name=f"step_{number}", type=kind)
    if kind == "choose":
        row.options = [option_new(row), option_new(row)]
    if kind == "link":
        row.links = [link_new()]
    return row


def option_new(row: StepRow) -> dict:
    values = {option["value"] for option in row.options}
    number = len(values) + 1
    while str(number) in values:
        number += 1
    return {"value": str(number), "labels": {}, "next": ""}


def link_new() -> dict:
    return {"kind": "url", "labels": {}, "target": "", "texts": {}}


def talk_loop(steps: dict) -> list[str]:
    """Steps that only talk and lead back to themselves (a guest would never be asked
    anything again), or []."""
    for start in steps:
        seen: list[str] = []
        name = start
        while name in steps and steps[name].get("type") in ("say", "link"):
            if name in seen:
                return seen[seen.index(name) :]
            seen.append(name)
            name = steps[name].get("next")
    return []

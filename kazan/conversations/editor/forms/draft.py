"""The editor form, read back from a post. A flow is edited as one HTML form of numbered fields
(`s3-text-de`, `s3-o1-next`, …); `FlowDraft` reads it into rows the template shows again and
into an engine definition. Every add/remove/move goes through the same parse, so the page keeps
no state on the server and a bad post only ever becomes form errors.

Steps the editor does not edit are kept exactly as in the version being edited: the form names
them, it never carries their definition."""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext

from kazan.conversations.editor.forms.rows import (
    EDITABLE_TYPES,
    LABEL_MAX,
    LINK_KINDS,
    MAX_LINKS,
    MAX_OPTIONS,
    MAX_STEPS,
    NAME_MAX,
    TEXT_KEY,
    StepRow,
    languages_for,
    link_new,
    new_row,
    option_new,
    row_from_step,
    talk_loop,
    texts_from,
)
from kazan.conversations.engine import TEXT_MAX

_STEP_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_VAR = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
_OPTION_VALUE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_url = URLValidator(schemes=["http", "https"])


class DraftError(Exception):
    """The post is not an editor form at all (missing or out-of-range counts, junk names)."""


def _count(data, key: str, limit: int) -> int:
    raw = data.get(key, "0")
    if not (isinstance(raw, str) and raw.isascii() and raw.isdigit()) or int(raw) > limit:
        raise DraftError(key)
    return int(raw)


def _clean_text(value) -> str:
    return str(value or "").replace("\x00", "").strip()


class FlowDraft:
    """The editor form, read from a post. `rows` re-render the form as typed; `definition()`
    checks it and returns the engine definition, or None with the errors on the rows."""

    def __init__(self, data, *, business, base: dict):
        self.business = business
        self.base_steps = base.get("steps", {})
        self.languages = languages_for(business)
        self.errors: list[str] = []
        self.name = _clean_text(data.get("flow_name"))[:NAME_MAX]
        count = _count(data, "steps", MAX_STEPS)
        self.rows = [self._row(data, index) for index in range(count)]
        names = [row.name for row in self.rows]
        if len(set(names)) != len(names):
            raise DraftError("duplicate step names")

    def _texts(self, data, prefix: str) -> dict[str, str]:
        return {code: _clean_text(data.get(f"{prefix}-{code}")) for code, _name in self.languages}

    def _row(self, data, index: int) -> StepRow:
        prefix = f"s{index}"
        name = data.get(f"{prefix}-name", "")
        kind = data.get(f"{prefix}-type", "")
        if not isinstance(name, str) or not _STEP_NAME.match(name):
            raise DraftError(f"{prefix}-name")
        if kind not in EDITABLE_TYPES:
            base = self.base_steps.get(name)
            if base is None or base.get("type") in EDITABLE_TYPES:
                raise DraftError(f"{prefix}-type")
            return row_from_step(name, base, self.languages)
        base = self.base_steps.get(name, {})
        row = StepRow(
            name=name,
            type=kind,
            texts=self._texts(data, f"{prefix}-text") if kind in TEXT_KEY else {},
            var=_clean_text(data.get(f"{prefix}-var"))[:40],
            var_locked=base.get("type") == "ask" and base.get("input", "text") != "text",
            next=_clean_text(data.get(f"{prefix}-next"))[:40],
            settings_text=kind == base.get("type") and "text_attr" in base,
        )
        if row.var_locked:
            row.var = str(base.get("var") or "")
        if kind == "choose":
            for option in range(_count(data, f"{prefix}-options", MAX_OPTIONS)):
                key = f"{prefix}-o{option}"
                row.options.append(
                    {
                        "value": _clean_text(data.get(f"{key}-value"))[:40],
                        "labels": self._texts(data, f"{key}-label"),
                        "next": _clean_text(data.get(f"{key}-next"))[:40],
                    }
                )
        if kind == "link":
            for link in range(_count(data, f"{prefix}-links", MAX_LINKS)):
                key = f"{prefix}-l{link}"
                link_kind = data.get(f"{key}-kind", "url")
                row.links.append(
                    {
                        "kind": link_kind if link_kind in LINK_KINDS else "url",
                        "labels": self._texts(data, f"{key}-label"),
                        "target": _clean_text(data.get(f"{key}-target"))[:500],
                        "texts": self._texts(data, f"{key}-text"),
                    }
                )
        return row

    # --- operations (the htmx buttons) -----------------------------------------------------

    def apply(self, op: str) -> None:
        """One editing operation: "add:<type>", "remove:<i>", "up:<i>", "down:<i>",
        "add_option:<i>", "remove_option:<i>:<j>", "add_link:<i>", "remove_link:<i>:<j>"."""
        verb, _sep, rest = op.partition(":")
        args = rest.split(":")
        if verb == "add":
            if args[0] not in EDITABLE_TYPES:
                raise DraftError(op)
            if len(self.rows) >= MAX_STEPS:
                self.errors.append(
                    gettext("A flow has at most %(max)d steps.") % {"max": MAX_STEPS}
                )
                return
            self.rows.append(new_row(args[0], {row.name for row in self.rows}))
            return
        numbers = [int(arg) for arg in args if arg.isascii() and arg.isdigit()]
        if len(numbers) != len(args) or not numbers or numbers[0] >= len(self.rows):
            raise DraftError(op)
        index, row = numbers[0], self.rows[numbers[0]]
        if verb == "remove" and len(numbers) == 1:
            removed = self.rows.pop(index).name
            for kept in self.rows:
                kept.next = "" if kept.next == removed else kept.next
                for option in kept.options:
                    option["next"] = "" if option["next"] == removed else option["next"]
        elif verb in ("up", "down") and len(numbers) == 1:
            other = index - 1 if verb == "up" else index + 1
            if 0 <= other < len(self.rows):
                self.rows[index], self.rows[other] = self.rows[other], self.rows[index]
        elif verb == "add_option" and row.type == "choose" and len(numbers) == 1:
            if len(row.options) < MAX_OPTIONS:
                row.options.append(option_new(row))
        elif verb == "add_link" and row.type == "link" and len(numbers) == 1:
            if len(row.links) < MAX_LINKS:
                row.links.append(link_new())
        elif verb in ("remove_option", "remove_link") and len(numbers) == 2:
            items = row.options if verb == "remove_option" else row.links
            if numbers[1] >= len(items):
                raise DraftError(op)
            items.pop(numbers[1])
        else:
            raise DraftError(op)

    # --- checking --------------------------------------------------------------------------

    def definition(self) -> dict | None:
        """The engine definition of the form, or None when a field is wrong (errors are on
        the rows and in `errors`). The engine's own check runs when it is saved or tried."""
        if not self.name:
            self.errors.append(gettext("Please give the flow a name."))
        if not self.rows:
            self.errors.append(gettext("A flow needs at least one step."))
        names = {row.name for row in self.rows}
        steps = {}
        for row in self.rows:
            steps[row.name] = self._step(row, names)
        if self.errors or any(row.errors for row in self.rows):
            return None
        if loop := talk_loop(steps):
            self.errors.append(
                gettext("The steps %(steps)s lead to each other without asking anything.")
                % {"steps": ", ".join(loop)}
            )
            return None
        return {
            "start": self.rows[0].name,
            "order": [row.name for row in self.rows],
            "steps": steps,
        }

    def _required_texts(self, row: StepRow, texts: dict, what: str) -> dict:
        """{language: text} without the empty ones; the business's language is required."""
        kept = {code: text for code, text in texts.items() if text}
        if not kept.get(self.business.language):
            row.errors.append(
                gettext("%(what)s: please write it at least in %(language)s.")
                % {"what": what, "language": dict(self.languages)[self.business.language]}
            )
        if any(len(text) > TEXT_MAX for text in kept.values()):
            row.errors.append(
                gettext("%(what)s: at most %(max)d characters.") % {"what": what, "max": TEXT_MAX}
            )
        return kept

    def _target(self, row: StepRow, target: str, names: set[str]) -> str | None:
        if target and target not in names:
            row.errors.append(gettext("The next step does not exist. Please choose another."))
        return target or None

    def _step(self, row: StepRow, names: set[str]) -> dict:
        if row.locked:
            return self.base_steps[row.name]
        step = dict(self.base_steps.get(row.name, {})) if self._same_type(row) else {}
        step["type"] = row.type
        if row.type in TEXT_KEY:
            what = gettext("Text") if TEXT_KEY[row.type] == "text" else gettext("Question")
            if row.type == "handoff":
                texts = {code: text for code, text in row.texts.items() if text}
                if any(len(text) > TEXT_MAX for text in texts.values()):
                    row.errors.append(
                        gettext("Text: at most %(max)d characters.") % {"max": TEXT_MAX}
                    )
                if texts:
                    step["text"] = texts
            else:
                key = TEXT_KEY[row.type]
                texts = self._required_texts(row, row.texts, what)
                step[key] = self._own_or_platform(step.get(key), texts)
        if row.has_next:
            step["next"] = self._target(row, row.next, names)
        if row.type in ("ask", "choose") and not row.var_locked:
            if row.var and not _VAR.match(row.var):
                row.errors.append(
                    gettext("Variable: use lowercase letters, digits and _ (like guest_wish).")
                )
            if row.var:
                step["var"] = row.var
            else:
                step.pop("var", None)
            if row.type == "ask":
                step.setdefault("input", "text")
        if row.type == "choose":
            step["choices"] = self._choices(row, names)
        if row.type == "link":
            step["links"] = self._links(row)
        return step

    def _own_or_platform(self, base, texts: dict[str, str]):
        """A text from code (an English msgid, translated and filled in by the engine) stays
        so while its fields read as it does; once the owner changes it, it becomes their own
        {language: text}, which the engine shows as written: the business's name goes in."""
        if not isinstance(base, str):
            return texts
        if texts == {code: text for code, text in texts_from(base, self.languages).items() if text}:
            return base
        return {
            code: text.replace("%(business)s", self.business.name) for code, text in texts.items()
        }

    def _same_type(self, row: StepRow) -> bool:
        return self.base_steps.get(row.name, {}).get("type") == row.type

    def _choices(self, row: StepRow, names: set[str]) -> list[dict]:
        if not row.options:
            row.errors.append(gettext("Please add at least one option."))
        choices = []
        for option in row.options:
            if not _OPTION_VALUE.match(option["value"]):
                row.errors.append(gettext("An option has no valid value."))
            label = self._required_texts(row, option["labels"], gettext("Option"))
            if any(len(text) > LABEL_MAX for text in label.values()):
                row.errors.append(
                    gettext("Option: at most %(max)d characters.") % {"max": LABEL_MAX}
                )
            choice = {"value": option["value"], "label": label}
            if target := self._target(row, option["next"], names):
                choice["next"] = target
            choices.append(choice)
        if len({choice["value"] for choice in choices}) != len(choices):
            row.errors.append(gettext("Two options have the same value."))
        return choices

    def _links(self, row: StepRow) -> list[dict]:
        if not row.links:
            row.errors.append(gettext("Please add at least one link."))
        links = []
        for link in row.links:
            label = self._required_texts(row, link["labels"], gettext("Button"))
            entry: dict = {"label": label}
            target = link["target"]
            if link["kind"] == "whatsapp":
                entry["whatsapp"] = self._whatsapp(row, target)
                texts = {code: text for code, text in link["texts"].items() if text}
                if any(len(text) > TEXT_MAX for text in texts.values()):
                    row.errors.append(
                        gettext("Message: at most %(max)d characters.") % {"max": TEXT_MAX}
                    )
                if texts:
                    entry["text"] = texts
            else:
                try:
                    _url(target)
                except ValidationError:
                    row.errors.append(
                        gettext("“%(url)s” is not a web address (https://…).")
                        % {"url": target[:80]}
                    )
                entry["url" if link["kind"] == "url" else "form"] = target
            links.append(entry)
        return links

    def _whatsapp(self, row: StepRow, number: str) -> str:
        try:
            parsed = phonenumbers.parse(number, self.business.country or None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            row.errors.append(
                gettext("“%(number)s” is not a valid WhatsApp number (like +49 151 2345678).")
                % {"number": number[:30]}
            )
            return number
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)

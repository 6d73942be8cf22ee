"""What each activity type means, for people: the one place that turns an activity row into a
translated sentence ("Staff member Eva changed the package terms: SMS per month: 200 → 300").

Each app describes the types it writes in its own `<app>/activity_types.py`, discovered when the
activity app is ready (like admin.py): `activity_type(...)` for its event types and
`activity_target(...)` for how its models read as the object of a sentence ("campaign “Summer
offer”"). A type nobody registered still reads as a sentence (the generic fallback), and
`kazan/activity/tests/test_registry.py` fails for every type the code writes without a
description, so a new type cannot slip through.

Rendering is in bulk (`activity_describe`): targets are fetched with one query per kind of
target, whatever the number of rows, and values are formatted in the active language.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.utils import formats
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kazan.activity.models import Activity

# --- what the registry holds ---------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Who reads the log, and so which personal data a sentence may name. Business teams see
    their own customers by name (as on their customer pages) but not which staff member acted;
    platform staff see both. Phone numbers and emails are always masked."""

    staff: bool = False


Formatter = Callable[[Any, Mapping[str, Any]], str]


@dataclass(frozen=True)
class Detail:
    """One key of an entry's `data` as shown to people: a translated label and how its value
    reads (the formatter gets the value and the whole `data`, e.g. for a currency)."""

    label: Promise | str
    format: Formatter | None = None


@dataclass(frozen=True)
class Change:
    label: str
    old: str | None
    new: str

    def __str__(self) -> str:
        if self.old is None:
            return f"{self.label}: {self.new}"
        return f"{self.label}: {self.old} → {self.new}"


@dataclass(frozen=True)
class ActivityType:
    """`sentence` may use %(actor)s, %(target)s and any key of the entry's data (formatted by
    its Detail). `details` are shown after the sentence as "label: value"; `changes` turns the
    data into "label: old → new" lines."""

    action: str
    label: Promise | str
    sentence: Promise | str
    details: Mapping[str, Detail] = field(default_factory=dict)
    changes: Callable[[Mapping[str, Any]], list[Change]] | None = None
    # More sentence parameters read in bulk: entries of this type → entry id → {key: text}.
    load: Callable[[list[Activity]], dict[int, dict[str, str]]] | None = None


TargetDescriber = Callable[[list[int], Viewer], dict[int, str]]

_TYPES: dict[str, ActivityType] = {}
_TARGETS: dict[str, TargetDescriber] = {}


def activity_type(
    action: str,
    *,
    label: Promise | str,
    sentence: Promise | str,
    details: Mapping[str, Detail] | None = None,
    changes: Callable[[Mapping[str, Any]], list[Change]] | None = None,
    load: Callable[[list[Activity]], dict[int, dict[str, str]]] | None = None,
) -> None:
    """Registers how `action` reads. Call from your app's activity_types.py, once per type."""
    if action in _TYPES:
        raise ValueError(f"activity type {action!r} is registered twice")
    _TYPES[action] = ActivityType(action, label, sentence, details or {}, changes, load)


def activity_target(model_label: str) -> Callable[[TargetDescriber], TargetDescriber]:
    """Decorator: how rows of `model_label` ("campaigns.campaign") read as the object of a
    sentence. The function gets the ids of one page of entries and returns id → text, with one
    query for all of them (no N+1)."""

    def register(describe: TargetDescriber) -> TargetDescriber:
        _TARGETS[model_label] = describe
        return describe

    return register


def activity_types() -> dict[str, ActivityType]:
    return dict(_TYPES)


def activity_type_choices() -> list[tuple[str, str]]:
    """(type, translated label) of every registered type, by label: for type filters."""
    return sorted(((key, str(t.label)) for key, t in _TYPES.items()), key=lambda c: c[1].lower())


def activity_type_label(action: str) -> str:
    registered = _TYPES.get(action)
    return str(registered.label) if registered else _humanize(action)


# --- value formatters (for Detail.format) ---------------------------------------------------------


def number(value: Any, _data: Mapping[str, Any] | None = None) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value_text(value)
    return formats.number_format(value, force_grouping=True)


def choice(choices: Iterable[tuple[str, Any]]) -> Formatter:
    """A stored code shown by its translated label (e.g. a role, a channel)."""
    labels = dict(choices)

    def render(value: Any, _data: Mapping[str, Any] | None = None) -> str:
        if isinstance(value, list):
            return ", ".join(render(item) for item in value)
        return str(labels.get(value, value_text(value)))

    return render


def money(currency_key: str = "currency") -> Formatter:
    """Minor units in the currency named by `data[currency_key]`."""

    def render(value: Any, data: Mapping[str, Any] | None = None) -> str:
        from kazan.core.money import money_format

        currency = str((data or {}).get(currency_key) or "")
        if not isinstance(value, int) or not currency:
            return number(value)
        return money_format(value, currency)

    return render


def date(value: Any, _data: Mapping[str, Any] | None = None) -> str:
    """An ISO date (or month "2026-12") in the reader's short date format."""
    month = len(str(value)) == 7
    try:
        day = dt.date.fromisoformat(f"{value}-01" if month else str(value))
    except ValueError:
        return value_text(value)
    return formats.date_format(day, "YEAR_MONTH_FORMAT" if month else "SHORT_DATE_FORMAT")


def field_names(model) -> Formatter:
    """A list of a model's field names (what changed) as their translated labels."""
    from django.core.exceptions import FieldDoesNotExist

    def render(value: Any, _data: Mapping[str, Any] | None = None) -> str:
        labels = []
        for name in value if isinstance(value, list) else [value]:
            try:
                labels.append(str(capfirst(model._meta.get_field(str(name)).verbose_name)))
            except FieldDoesNotExist:
                labels.append(_humanize(str(name)))
        return ", ".join(labels) or "—"

    return render


def value_text(value: Any, _data: Mapping[str, Any] | None = None) -> str:
    """Any JSON value as people read it: localized numbers, yes/no, lists joined, mappings as
    "key: value" — never a Python repr."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list | tuple):
        return ", ".join(value_text(item) for item in value) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{_humanize(str(k))}: {value_text(v)}" for k, v in value.items())
    return str(value)


def _humanize(key: str) -> str:
    """ "customer.identity_attached" → "Customer identity attached" (for unregistered types)."""
    words = key.replace(".", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else key


# --- rendering --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityLine:
    """One entry as people read it."""

    entry: Activity
    actor: str
    label: str
    sentence: str
    changes: list[Change]
    details: list[tuple[str, str]]

    @property
    def text(self) -> str:
        """Everything on one line (exports)."""
        parts = [self.sentence, *map(str, self.changes)]
        parts += [f"{label}: {value}" for label, value in self.details]
        return "; ".join(parts)


class _Params(dict):
    """Sentence parameters; a key the entry's data lacks (an older row) reads as "—"."""

    def __missing__(self, key: str) -> str:
        return "—"


def _user_name(user) -> str:
    return user.name or _("user #%(number)s") % {"number": user.pk}


def actor_text(entry: Activity, viewer: Viewer) -> str:
    """Who acted, as the subject of a sentence."""
    kind = entry.actor_kind or ""
    user = entry.actor
    if kind == "staff" or (user is not None and user.is_staff):
        if not viewer.staff:
            return _("Kazan staff")
        return (
            _("Staff member %(name)s") % {"name": _user_name(user)} if user else _("A staff member")
        )
    if user is not None:
        return _user_name(user)
    if kind == "customer":
        return _("A customer")
    if kind == "system":
        return _("Kazan (automatically)")
    if kind.startswith("provider:"):
        return _("The SMS provider (%(name)s)") % {"name": kind.partition(":")[2].capitalize()}
    if kind == "anonymous":
        return _("Someone")
    return _("A former team member")


def _targets(entries: Sequence[Activity], viewer: Viewer) -> dict[tuple[str, str], str]:
    """(target_type, target_id) → text: one call (one query) per kind of target."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        # Ids are stored as text; only what fits a bigint can be a row's id.
        target_id = entry.target_id
        if entry.target_type in _TARGETS and target_id.isdigit() and len(target_id) < 19:
            wanted[entry.target_type].add(int(entry.target_id))
    found: dict[tuple[str, str], str] = {}
    for model_label, ids in wanted.items():
        for pk, text in _TARGETS[model_label](sorted(ids), viewer).items():
            found[(model_label, str(pk))] = text
    return found


def _target_missing(entry: Activity) -> str:
    """A target no describer knows by its model's name and number, one that is gone as such."""
    if not entry.target_type:
        return "—"
    if entry.target_type in _TARGETS:
        return _("an item that no longer exists")
    try:
        model = apps.get_model(entry.target_type)
    except (LookupError, ValueError):
        return _humanize(entry.target_type)
    return f"{model._meta.verbose_name} #{entry.target_id}"


def _generic(entry: Activity) -> ActivityType:
    """How an unregistered type reads: its name in words, the data as label: value."""
    return ActivityType(
        entry.action,
        _humanize(entry.action),
        gettext_lazy("%(actor)s: %(event)s"),
    )


def activity_describe(entries: Iterable[Activity], *, viewer: Viewer) -> list[ActivityLine]:
    """The entries (with `actor` selected) as translated sentences for `viewer`, in the active
    language. One query per kind of target among them, none per row."""
    entries = list(entries)
    targets = _targets(entries, viewer)
    by_type: dict[str, list[Activity]] = defaultdict(list)
    for entry in entries:
        by_type[entry.action].append(entry)
    extras: dict[int, dict[str, str]] = {}
    for action, group in by_type.items():
        registered = _TYPES.get(action)
        if registered is not None and registered.load is not None:
            extras.update(registered.load(group))
    lines = []
    for entry in entries:
        kind = _TYPES.get(entry.action) or _generic(entry)
        data = entry.data if isinstance(entry.data, dict) else {}
        params = _Params(
            {
                key: (kind.details[key].format or value_text)(value, data)
                if key in kind.details
                else value_text(value)
                for key, value in data.items()
            }
        )
        params["actor"] = actor_text(entry, viewer)
        params["target"] = targets.get((entry.target_type, entry.target_id)) or _target_missing(
            entry
        )
        params["event"] = str(kind.label)
        params.update(extras.get(entry.pk, {}))
        details = [
            (str(detail.label), params[key])
            for key, detail in kind.details.items()
            if key in data and f"%({key})s" not in str(kind.sentence)
        ]
        if entry.action not in _TYPES:
            # sorted: PostgreSQL's jsonb keeps no insertion order, and the line must read the same
            details = [(_humanize(key), value_text(value)) for key, value in sorted(data.items())]
        lines.append(
            ActivityLine(
                entry=entry,
                actor=params["actor"],
                label=str(kind.label),
                sentence=capfirst(str(kind.sentence) % params),
                changes=kind.changes(data) if kind.changes else [],
                details=details,
            )
        )
    return lines

"""Checking a flow before it is saved: known step types, each step valid for its type, texts of
the right shape and size, and no name of a missing step (flowstore refuses what fails)."""

import re

from django.conf import settings

from kazan.conversations.engine.registry import TEXT_MAX, Flow, registered_step_types

# Bounds of a flow a business may save.
FLOW_STEPS_MAX = 100
CHOICES_MAX = 12
# A paged choice (its "page_size") shows a long list a page at a time.
CHOICES_PAGED_MAX = 60
LINKS_MAX = 10
URL_MAX = 500
STEP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
TEXT_KEYS = ("text", "prompt", "label", "placeholder", "checkbox", "notice", "submit")


def text_check(value: object, where: str) -> None:
    """A flow text: a msgid (str) or {language: text} with known languages, each bounded."""
    if isinstance(value, str):
        texts: list[object] = [value]
    elif isinstance(value, dict) and value:
        unknown = set(value) - LANGUAGE_CODES
        if unknown:
            raise ValueError(f"{where}: unknown languages {sorted(unknown)}")
        texts = list(value.values())
    else:
        raise ValueError(f"{where}: a text must be a string or {{language: text}}")
    for text in texts:
        if not isinstance(text, str):
            raise ValueError(f"{where}: a text must be a string")
        if len(text) > TEXT_MAX:
            raise ValueError(f"{where}: a text may have at most {TEXT_MAX} characters")


def flow_check(flow: Flow) -> None:
    """Raises ValueError when the flow is malformed: an unknown step type, a step that is not
    valid for its type, a text of the wrong shape or size, or a name of a missing step."""
    step_types = registered_step_types()
    steps = flow.get("steps")
    if not isinstance(steps, dict) or not steps:
        raise ValueError("the flow has no steps")
    if len(steps) > FLOW_STEPS_MAX:
        raise ValueError(f"a flow may have at most {FLOW_STEPS_MAX} steps")
    if flow.get("start") not in steps:
        raise ValueError(f"the first step {flow.get('start')!r} does not exist")
    targets = []
    for name, step in steps.items():
        if not STEP_NAME.match(str(name)):
            raise ValueError(f"step name {name!r} is not valid")
        if not isinstance(step, dict) or step.get("type") not in step_types:
            kind_name = step.get("type") if isinstance(step, dict) else None
            raise ValueError(f"step {name} has unknown type {kind_name}")
        kind = step_types[step["type"]]
        for key in TEXT_KEYS:
            if step.get(key) is not None:
                text_check(step[key], f"step {name} {key}")
        if kind.check is not None:
            try:
                kind.check(step)
            except (KeyError, TypeError) as error:
                raise ValueError(f"step {name}: missing or wrong field {error}") from error
            except ValueError as error:
                raise ValueError(f"step {name}: {error}") from error
        targets += kind.targets(step)
    missing = {t for t in targets if t is not None and t not in steps}
    if missing:
        raise ValueError(f"unknown steps {sorted(missing, key=str)}")

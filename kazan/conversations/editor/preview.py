""" "Try it": the flow in the editor runs in a small chat panel without touching real data.

The engine runs for real on an in-memory conversation whose step and state live in the member's
session; nothing is written to the database. Actions are not run — each becomes a line saying
what the bot would do there, and the flow goes on with the step's next. Answers that a real
conversation checks against real data (a phone number, an SMS code) are taken as plain text."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.conversations import engine
from kazan.conversations.editor.forms import action_label
from kazan.conversations.flowstore import flow_validate

PREVIEW_KEY = "preview"
LOG_MAX = 80
# Validators that only look at the answer itself; the others (phone, otp) reach real data.
SAFE_VALIDATORS = frozenset({"text", "name", "rating", "comment", "consent"})
_CODES = {code for code, _name in settings.LANGUAGES}


@dataclass
class PreviewConversation:
    """What the engine needs of a conversation, kept in memory."""

    language: str
    channel: str = "web"
    flow_key: str = PREVIEW_KEY
    step: str = ""
    waiting: bool = False
    state: dict = field(default_factory=dict)
    completed_at: datetime | None = None
    handed_off_at: datetime | None = None


def _is_language_texts(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and bool(value)
        and set(value) <= _CODES
        and all(isinstance(text, str) for text in value.values())
    )


def _localized(value: Any, language: str, fallback: str) -> Any:
    """Every {language: text} in the preview's language (the business's as a fallback)."""
    if _is_language_texts(value):
        return value.get(language) or value.get(fallback) or next(iter(value.values()))
    if isinstance(value, dict):
        return {key: _localized(item, language, fallback) for key, item in value.items()}
    if isinstance(value, list):
        return [_localized(item, language, fallback) for item in value]
    return value


def preview_definition(definition: dict, *, language: str, fallback: str) -> dict:
    """The definition as the preview runs it: texts in one language, actions as notes, answers
    that would be checked against real data taken as text."""
    steps = {}
    for name, step in definition["steps"].items():
        if step.get("type") == "act":
            note = gettext("(here the bot would: %(action)s)") % {
                "action": action_label(step.get("action", ""))
            }
            steps[name] = {"type": "say", "text": note, "next": step.get("next")}
            continue
        step = _localized(step, language, fallback)
        if step.get("type") == "ask":
            check = step.get("validator", step.get("input", "text"))
            if check not in SAFE_VALIDATORS:
                step = {**step, "validator": "text", "input": "text"}
        steps[name] = step
    return {"key": PREVIEW_KEY, "start": definition["start"], "steps": steps}


def _conversation(saved: dict, language: str) -> PreviewConversation:
    return PreviewConversation(
        language=language,
        step=str(saved.get("step", "")),
        waiting=bool(saved.get("waiting")),
        state=dict(saved.get("state") or {}),
    )


def _saved(conversation: PreviewConversation, log: list[dict]) -> dict:
    """What the session keeps: the engine's step and state, the chat so far, and the options
    the last question offers (shown as buttons)."""
    last = log[-1] if log else {}
    return {
        "language": conversation.language,
        "choices": last.get("choices", []) if conversation.waiting else [],
        "step": conversation.step,
        "waiting": conversation.waiting,
        "state": conversation.state,
        "ended": conversation.completed_at is not None,
        "handed_off": conversation.handed_off_at is not None,
        "log": log[-LOG_MAX:],
    }


def preview_turn(
    *,
    business,
    definition: dict,
    saved: dict | None,
    language: str,
    message: str = "",
    choice: str = "",
) -> dict:
    """One turn of the preview: a new run when `saved` is None, else the answer (`message`
    typed or `choice` pressed). Returns what to keep in the session: step, state and the
    chat so far. Raises ValidationFailed when the engine refuses the definition."""
    flow_validate({**definition, "key": PREVIEW_KEY})
    flow = preview_definition(definition, language=language, fallback=business.language)
    fresh = saved is None or saved.get("ended") or saved.get("handed_off")
    conversation = PreviewConversation(language=language)
    log: list[dict] = []
    inbound = engine.Inbound(text=message, payload={"choice": choice} if choice else None)
    if not fresh:
        conversation = _conversation(saved, language)
        log = list(saved.get("log", []))
    ctx = engine.Context(business, conversation)
    with translation.override(language):
        try:
            turn = engine.start(ctx, flow) if fresh else engine.handle(ctx, flow, inbound)
            if not fresh:  # the answer as the log shows it (a choice by its label)
                log.append({"type": "user", "text": turn.inbound_log or message or choice})
            log.extend(turn.replies)
        except RuntimeError:
            log.append(
                engine.reply_error(
                    gettext("These steps lead to each other without asking anything.")
                )
            )
            conversation.completed_at = conversation.completed_at or timezone.now()
    return _saved(conversation, log)

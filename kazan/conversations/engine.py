"""The channel-agnostic flow engine (DESIGN decision 7).

A flow is data: {"key", "start", "steps": {name: step}}. Step types:

- say:     {"type": "say", "text": ..., "text_attr": "greetings"?, "next": ...}  (text_attr: the
            business's own text in the conversation's language, Business.chat_text)
- ask:     {"type": "ask", "input": "text|name|phone|otp|consent|rating|comment", "var": ...,
            "prompt": ..., "validator": name, "next": ..., "optional": bool,
            "label": the field's accessible name?, "placeholder": an example?,
            "commands": {value: {"label": ..., "action": name?, "next": step?}}}
- choose:  {"type": "choose", "prompt": ..., "var": ..., "choices": [{"value", "label",
            "next"?}], "next": ...}
- act:     {"type": "act", "action": name, "next": ..., "on_error": {error code | "*": step}}
- branch:  {"type": "branch", "cases": [{"if": {"var": ..., "eq"|"truthy"|"gte": ...},
            "next": ...}], "default": ...}
- handoff: {"type": "handoff", "text": ...}  — a person takes over; the engine stops replying.
- end:     {"type": "end"}

Texts are (lazy) translatable strings formatted with %(name)s from the conversation's state and
%(business)s; the caller renders them inside the conversation's language. Input comes in as an
`Inbound` (text or a structured payload), output is a list of channel-neutral reply dicts:
text, choices, input (what to ask and how), links, image, voucher, error. Nothing here knows
HTTP: web, WhatsApp, Telegram and SMS adapters render the same replies their own way.

Actions and validators are named functions in registries (conversations.actions registers the
funnel's); flows name them, so a flow stays plain data.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from kazan.core.errors import KazanError, ValidationFailed

MAX_STEPS_PER_TURN = 50
TEXT_MAX = 1000


@dataclass(frozen=True)
class Inbound:
    """A normalized inbound message: what the person typed, or what they pressed."""

    text: str = ""
    payload: dict | None = None
    # Evidence the channel knows (ip, user_agent); used by actions, never stored in the log.
    meta: dict = field(default_factory=dict)


@dataclass
class Context:
    business: Any
    conversation: Any
    inbound: Inbound | None = None

    @property
    def state(self) -> dict:
        return self.conversation.state

    @property
    def language(self) -> str:
        return self.conversation.language or self.business.language

    @property
    def channel(self) -> str:
        return self.conversation.channel


@dataclass
class ActionResult:
    replies: list[dict] = field(default_factory=list)
    next: str | None = None  # overrides the step's "next"


@dataclass
class Turn:
    """What one call of the engine produced: the replies, and how to log the inbound message."""

    replies: list[dict]
    inbound_log: str | None = None


Action = Callable[[Context, dict], ActionResult | None]
Validator = Callable[[Context, Any, dict], Any]

_actions: dict[str, Action] = {}
_validators: dict[str, Validator] = {}
_flows: dict[str, dict] = {}
# How an accepted answer of each input type appears in the log (codes and numbers masked).
_displays: dict[str, Callable[[Any], str]] = {}
# Input types whose raw text must never be logged, even when refused.
SECRET_INPUTS = frozenset({"otp", "phone"})


def action(name: str) -> Callable[[Action], Action]:
    def register(function: Action) -> Action:
        _actions[name] = function
        return function

    return register


def validator(name: str) -> Callable[[Validator], Validator]:
    def register(function: Validator) -> Validator:
        _validators[name] = function
        return function

    return register


def display(input_type: str, function: Callable[[Any], str]) -> None:
    _displays[input_type] = function


def flow_register(flow: dict) -> None:
    """Add a flow; every step it names must exist (checked now, not when a customer hits it)."""
    flow_check(flow)
    _flows[flow["key"]] = flow


def flow_check(flow: dict) -> None:
    """Raises ValueError when a step has an unknown type or names a step that does not exist."""
    steps = flow["steps"]
    targets = [flow["start"]]
    for name, step in steps.items():
        targets += [step.get("next"), step.get("default")]
        targets += [case["next"] for case in step.get("cases", [])]
        targets += [choice.get("next") for choice in step.get("choices", [])]
        targets += list(step.get("on_error", {}).values())
        targets += [command.get("next") for command in step.get("commands", {}).values()]
        if step["type"] not in STEP_TYPES:
            raise ValueError(f"flow {flow['key']}: step {name} has unknown type {step['type']}")
    missing = {t for t in targets if t is not None and t not in steps}
    if missing:
        raise ValueError(f"flow {flow['key']}: unknown steps {sorted(missing)}")


def flow_get(key: str) -> dict:
    return _flows[key]


class _Vars(dict):
    def __missing__(self, key):
        return ""


def render(text, ctx: Context) -> str:
    """A flow text in the active language, with %(var)s from state and %(business)s."""
    if text is None:
        return ""
    values = _Vars({k: v for k, v in ctx.state.items() if isinstance(v, str | int)})
    values["business"] = ctx.business.name
    try:
        return str(text) % values
    except (TypeError, ValueError, KeyError):
        return str(text)


def reply_text(text: str) -> dict:
    return {"type": "text", "text": text}


def reply_error(text: str) -> dict:
    return {"type": "error", "text": text}


# --- steps --------------------------------------------------------------------------------------


def _prompt(ctx: Context, step: dict, *, repeat: bool = False) -> list[dict]:
    """The replies that ask: the question (unless repeated after an error) and the input."""
    replies = []
    if step.get("prompt") and not repeat:
        replies.append(reply_text(render(step["prompt"], ctx)))
    if step["type"] == "choose":
        replies.append(
            {
                "type": "choices",
                "choices": [
                    {"value": c["value"], "label": render(c["label"], ctx)} for c in step["choices"]
                ],
            }
        )
        return replies
    request = {
        "type": "input",
        "input": step.get("input", "text"),
        "optional": bool(step.get("optional")),
        "submit": str(step.get("submit") or pgettext("verb, chat button", "Send")),
        "commands": [
            {"value": value, "label": render(command["label"], ctx)}
            for value, command in step.get("commands", {}).items()
        ],
    }
    for key in ("label", "placeholder", "checkbox", "notice"):
        value = render(step.get(key), ctx)
        if value:  # a checkbox without its wording is not shown at all
            request[key] = value
    if step.get("max"):
        request["max"] = step["max"]
    replies.append(request)
    return replies


def _condition(ctx: Context, condition: dict) -> bool:
    value = ctx.state.get(condition["var"])
    if "eq" in condition:
        return value == condition["eq"]
    if "gte" in condition:
        return isinstance(value, int | float) and value >= condition["gte"]
    return bool(value) == bool(condition.get("truthy", True))


def _run_action(ctx: Context, name: str, step: dict) -> ActionResult:
    """Runs an action in a savepoint: a failing action leaves none of its writes behind."""
    with transaction.atomic():
        return _actions[name](ctx, step) or ActionResult()


def _error_target(step: dict, error: KazanError) -> str | None:
    on_error = step.get("on_error", {})
    return on_error.get(error.code, on_error.get("*"))


def _advance(ctx: Context, flow: dict, name: str | None, replies: list[dict]) -> None:
    """Runs steps from `name` until one waits for input, hands off, or the flow ends."""
    conversation = ctx.conversation
    for _i in range(MAX_STEPS_PER_TURN):
        if name is None:
            conversation.completed_at = conversation.completed_at or timezone.now()
            conversation.step, conversation.waiting = "", False
            return
        step = flow["steps"][name]
        kind = step["type"]
        conversation.step = name
        if kind == "say":
            override = (
                ctx.business.chat_text(step["text_attr"], ctx.language)
                if "text_attr" in step
                else ""
            )
            # The business's own text is shown as written (a "50% off" must stay so): only our
            # translated texts carry %(…)s placeholders.
            replies.append(reply_text(override or render(step["text"], ctx)))
            name = step.get("next")
        elif kind in ("ask", "choose"):
            replies.extend(_prompt(ctx, step))
            conversation.waiting = True
            return
        elif kind == "act":
            try:
                result = _run_action(ctx, step["action"], step)
            except KazanError as error:
                replies.append(reply_error(str(error.message)))
                target = _error_target(step, error)
                if target is None:
                    raise
                name = target
                continue
            replies.extend(result.replies)
            name = result.next or step.get("next")
        elif kind == "branch":
            name = next(
                (c["next"] for c in step["cases"] if _condition(ctx, c["if"])),
                step.get("default"),
            )
        elif kind == "handoff":
            if step.get("text"):
                replies.append(reply_text(render(step["text"], ctx)))
            conversation.handed_off_at = timezone.now()
            conversation.waiting = False
            return
        elif kind == "end":
            name = None
    raise RuntimeError(f"flow {flow['key']}: more than {MAX_STEPS_PER_TURN} steps in one turn")


STEP_TYPES = frozenset({"say", "ask", "choose", "act", "branch", "handoff", "end"})


def _raw_answer(inbound: Inbound):
    payload = inbound.payload or {}
    return payload.get("value", inbound.text)


def _log_text(step: dict, raw, accepted: bool, value=None) -> str:
    kind = step.get("input", "text")
    if accepted and kind in _displays:
        return _displays[kind](value)
    if kind in SECRET_INPUTS:
        return "••••••"
    return str(raw if raw is not None else "")[:TEXT_MAX]


def _answer(ctx: Context, flow: dict, step: dict, inbound: Inbound, replies: list[dict]):
    """Handles an answer to the waiting ask/choose step. Returns (next step or None to stay,
    log text)."""
    payload = inbound.payload or {}
    command = payload.get("command")
    if step["type"] == "ask" and command is not None:
        spec = step.get("commands", {}).get(command)
        if spec is None:
            replies.append(reply_error(str(_("This option is not available here."))))
            replies.extend(_prompt(ctx, step, repeat=True))
            return None, None
        label = render(spec["label"], ctx)
        if spec.get("action"):
            try:
                replies.extend(_run_action(ctx, spec["action"], step).replies)
            except KazanError as error:
                replies.append(reply_error(str(error.message)))
        if spec.get("next"):
            return spec["next"], label
        replies.extend(_prompt(ctx, step, repeat=True))
        return None, label
    if step["type"] == "choose":
        chosen = _choice(step, ctx, payload.get("choice", inbound.text))
        if chosen is None:
            replies.append(reply_error(str(_("Please choose one of the options."))))
            replies.extend(_prompt(ctx, step, repeat=True))
            return None, str(inbound.text)[:TEXT_MAX] or None
        if step.get("var"):
            ctx.state[step["var"]] = chosen["value"]
        return chosen.get("next") or step.get("next") or _END, render(chosen["label"], ctx)
    raw = _raw_answer(inbound)
    try:
        check = _validators[step.get("validator", step.get("input", "text"))]
        # No savepoint here: a validator that counts a failed try (OTP) must keep the count.
        value = check(ctx, raw, step)
    except ValidationFailed as error:
        replies.append(reply_error(str(error.message)))
        replies.extend(_prompt(ctx, step, repeat=True))
        return None, _log_text(step, raw, accepted=False) or None
    if step.get("var"):
        ctx.state[step["var"]] = value
    return step.get("next") or _END, _log_text(step, raw, accepted=True, value=value)


_END = "__end__"


def _choice(step: dict, ctx: Context, answer) -> dict | None:
    text = str(answer or "").strip().casefold()
    for index, choice in enumerate(step["choices"], start=1):
        if text in {str(choice["value"]).casefold(), render(choice["label"], ctx).casefold()}:
            return choice
        if text == str(index):
            return choice
    return None


def start(ctx: Context, flow: dict) -> Turn:
    """Runs a new conversation from the flow's first step."""
    replies: list[dict] = []
    ctx.conversation.flow_key = flow["key"]
    _advance(ctx, flow, flow["start"], replies)
    return Turn(replies)


def handle(ctx: Context, flow: dict, inbound: Inbound) -> Turn:
    """One inbound message: answer the waiting step, then run on until the next question.

    The caller holds the conversation row locked and saves it afterwards (conversations.services).
    """
    conversation = ctx.conversation
    ctx.inbound = inbound
    replies: list[dict] = []
    if conversation.completed_at is not None or conversation.handed_off_at is not None:
        return Turn([], str(inbound.text)[:TEXT_MAX] or None)
    step = flow["steps"].get(conversation.step) if conversation.waiting else None
    if step is None:
        # Not waiting (a flow changed under a running conversation): start the flow again.
        _advance(ctx, flow, flow["start"], replies)
        return Turn(replies, str(inbound.text)[:TEXT_MAX] or None)
    target, log = _answer(ctx, flow, step, inbound, replies)
    if target is not None:
        conversation.waiting = False
        _advance(ctx, flow, None if target == _END else target, replies)
    return Turn(replies, log)


def pending(ctx: Context, flow: dict) -> list[dict]:
    """The question the conversation waits on, asked again (for a channel that lost it)."""
    step = flow["steps"].get(ctx.conversation.step)
    if not ctx.conversation.waiting or step is None:
        return []
    return _prompt(ctx, step, repeat=True)

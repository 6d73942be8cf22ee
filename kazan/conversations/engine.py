"""The channel-agnostic flow engine (DESIGN decision 7).

A flow is data: {"key", "start", "steps": {name: step}}. Every step has a "type" looked up in a
registry of step types (`step_type_register`), so a new type (a form, a product card, an agent
turn) plugs in without editing the engine. The built-in types:

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
- link:    {"type": "link", "text": ..., "links": [{"label", "url"} | {"label", "whatsapp":
            "+49…", "text"?} | {"label", "form": url}], "next": ...}
- handoff: {"type": "handoff", "text": ...}  — a person takes over; the bot stops replying.
- end:     {"type": "end"}

A text is either a str — an English msgid from code, translated at render time in the
conversation's language — or a dict {language: text} the business wrote (the conversation's
language, else the business's, else the first non-empty one). Our msgids are formatted with
%(name)s from the state and %(business)s; a business's own text gets only its named
placeholders filled and is otherwise shown as written.

Input comes in as an `Inbound`, output is a list of channel-neutral reply dicts: text, choices,
input, links, image, voucher, error. Input no step expects goes down the fallback chain
(conversations.fallbacks). The run state lives in the session (`ConversationSession`); nothing
here knows HTTP or a channel.

Actions and validators are named functions in registries (conversations.actions registers the
funnel's); flows name them, so a flow stays plain data.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from kazan.conversations import fallbacks
from kazan.conversations.models import ConversationSession, Status
from kazan.core.errors import KazanError, ValidationFailed

MAX_STEPS_PER_TURN = 50
TEXT_MAX = 1000
# Bounds of a flow a business may save (flowstore validates on save).
FLOW_STEPS_MAX = 100
CHOICES_MAX = 12
LINKS_MAX = 10
URL_MAX = 500
STEP_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_WHATSAPP = re.compile(r"^\+?[1-9]\d{6,14}$")
LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)
# Outcomes of running a step besides the name of the next one (None: the flow ends).
WAIT = "__wait__"
HANDOFF = "__handoff__"
_END = "__end__"


@dataclass(frozen=True)
class Inbound:
    """A normalized inbound message: what the person typed, or what they pressed."""

    text: str = ""
    payload: dict | None = None
    # Evidence the channel knows (ip, user_agent); used by actions, never stored in the log.
    meta: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.payload


@dataclass
class Context:
    business: Any
    conversation: Any
    session: Any
    inbound: Inbound | None = None
    # The business's BotSettings (the fallback chain); services loads it.
    bot_settings: Any = None

    @property
    def state(self) -> dict:
        return self.session.state

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


@dataclass
class Answer:
    """How a waiting step took an answer: the step to go on with (`_END` ends the flow; None
    stays), the log text, and `missed` when the input is nothing the step expects."""

    next: str | None = None
    log: str | None = None
    missed: bool = False


@dataclass(frozen=True)
class StepType:
    """A kind of step. `run` adds replies and returns the next step's name, None (the flow
    ends), WAIT (an answer is awaited: then `answer` and `prompt` are required) or HANDOFF.
    `check` raises ValueError for a malformed step; `targets` names the steps it may go to."""

    name: str
    run: Callable[["Context", dict, list[dict]], str | None]
    check: Callable[[dict], None] | None = None
    targets: Callable[[dict], list] = lambda step: [step.get("next")]
    answer: Callable[["Context", dict, Inbound, list[dict]], Answer] | None = None
    prompt: Callable[["Context", dict, bool], list[dict]] | None = None


Action = Callable[[Context, dict], ActionResult | None]
Validator = Callable[[Context, Any, dict], Any]

_step_types: dict[str, StepType] = {}
_actions: dict[str, Action] = {}
_validators: dict[str, Validator] = {}
# How an accepted answer of each input type appears in the log (codes and numbers masked).
_displays: dict[str, Callable[[Any], str]] = {}
# Input types whose raw text must never be logged, even when refused.
SECRET_INPUTS = frozenset({"otp", "phone"})


def step_type_register(step_type: StepType) -> StepType:
    """Add (or replace, by name) a step type."""
    _step_types[step_type.name] = step_type
    return step_type


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


def step_targets(step: dict) -> list[str]:
    """The names of the steps `step` may lead to, as its type says ([] for an unknown type)."""
    kind = _step_types.get(step.get("type")) if isinstance(step, dict) else None
    return [name for name in kind.targets(step) if isinstance(name, str)] if kind else []


# --- texts --------------------------------------------------------------------------------------


class _Vars(dict):
    def __missing__(self, key):
        return ""


def text_check(value, where: str) -> None:
    """A flow text: a msgid (str) or {language: text} with known languages, each bounded."""
    if isinstance(value, str):
        texts = [value]
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


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _values(ctx: Context) -> "_Vars":
    values = _Vars({k: v for k, v in ctx.state.items() if isinstance(v, str | int)})
    values["business"] = ctx.business.name
    return values


def render(text, ctx: Context) -> str:
    """A flow text in the conversation's language (the caller activates it).

    A business's own text ({language: text}) gets only its named placeholders filled
    (%(name)s, %(business)s) and is otherwise shown as written, so a "50% off" stays so."""
    if not text:
        return ""
    if isinstance(text, dict):
        chosen = next((value for value in text.values() if value), "")
        for language in (ctx.conversation.language, ctx.business.language):
            codes = dict.fromkeys((language or "", (language or "").split("-")[0]))
            found = [text[c] for c in codes if isinstance(text.get(c), str) and text[c].strip()]
            if found:
                chosen = found[0]
                break
        values = _values(ctx)
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), chosen)
    translated = gettext(str(text))
    try:
        return translated % _values(ctx)
    except (TypeError, ValueError, KeyError):
        return translated


def reply_text(text: str) -> dict:
    return {"type": "text", "text": text}


def reply_error(text: str) -> dict:
    return {"type": "error", "text": text}


# --- flow checks --------------------------------------------------------------------------------

TEXT_KEYS = ("text", "prompt", "label", "placeholder", "checkbox", "notice", "submit")


def flow_check(flow: dict) -> None:
    """Raises ValueError when the flow is malformed: an unknown step type, a step that is not
    valid for its type, a text of the wrong shape or size, or a name of a missing step."""
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
        if not isinstance(step, dict) or step.get("type") not in _step_types:
            kind = step.get("type") if isinstance(step, dict) else None
            raise ValueError(f"step {name} has unknown type {kind}")
        kind = _step_types[step["type"]]
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


# --- running ------------------------------------------------------------------------------------


def _run_action(ctx: Context, name: str, step: dict) -> ActionResult:
    """Runs an action in a savepoint: a failing action leaves none of its writes behind."""
    with transaction.atomic():
        return _actions[name](ctx, step) or ActionResult()


def _finish(ctx: Context, reason: str) -> None:
    session = ctx.session
    session.ended_at = session.ended_at or timezone.now()
    session.end_reason = reason
    session.waiting = False


def handoff(ctx: Context, replies: list[dict], text=None) -> None:
    """A person takes the thread over: the session ends and the thread waits in the inbox."""
    if text:
        replies.append(reply_text(render(text, ctx)))
    _finish(ctx, ConversationSession.EndReason.HANDOFF)
    ctx.conversation.status = Status.OPEN


def _advance(ctx: Context, flow: dict, name: str | None, replies: list[dict]) -> None:
    """Runs steps from `name` until one waits for input, hands off, or the flow ends."""
    session = ctx.session
    for _i in range(MAX_STEPS_PER_TURN):
        if name is None:
            session.step = ""
            _finish(ctx, ConversationSession.EndReason.COMPLETED)
            return
        step = flow["steps"][name]
        session.step = name
        outcome = _step_types[step["type"]].run(ctx, step, replies)
        if outcome == WAIT:
            session.waiting = True
            return
        if outcome == HANDOFF:
            handoff(ctx, replies, step.get("text"))
            return
        name = outcome
    raise RuntimeError(f"flow {flow.get('key')}: more than {MAX_STEPS_PER_TURN} steps in one turn")


def start(ctx: Context, flow: dict) -> Turn:
    """Runs a new session from the flow's first step."""
    replies: list[dict] = []
    _advance(ctx, flow, flow["start"], replies)
    return Turn(replies)


def handle(ctx: Context, flow: dict, inbound: Inbound) -> Turn:
    """One inbound message: answer the waiting step, then run on until the next question.
    Input the step does not expect goes down the fallback chain.

    The caller holds the thread row locked and saves the session afterwards (services).
    """
    session = ctx.session
    ctx.inbound = inbound
    replies: list[dict] = []
    step = flow["steps"].get(session.step) if session.waiting else None
    if step is None:
        # Not waiting (nothing to answer): run the flow from its start.
        _advance(ctx, flow, flow["start"], replies)
        return Turn(replies, str(inbound.text)[:TEXT_MAX] or None)
    kind = _step_types[step["type"]]
    answer = kind.answer(ctx, step, inbound, replies)
    if answer.missed:
        missed(ctx, inbound, replies, repeat=lambda: kind.prompt(ctx, step, True))
        return Turn(replies, answer.log)
    if answer.next is not None:
        session.waiting = False
        session.misses = 0
        _advance(ctx, flow, None if answer.next == _END else answer.next, replies)
    return Turn(replies, answer.log)


def missed(ctx: Context, inbound: Inbound, replies: list[dict], repeat=None) -> None:
    """The fallback chain for input nothing expects: the business's fallbacks (FAQ, agent) in
    order; else "I did not understand" with the options asked again; a person takes over after
    BotSettings.misses_before_handoff misses in a row."""
    answered = fallbacks.fallback_answer(ctx, inbound)
    if answered:
        replies.extend(answered)
        return
    ctx.session.misses += 1
    limit = ctx.bot_settings.misses_before_handoff if ctx.bot_settings else 0
    if limit and ctx.session.misses >= limit:
        handoff(
            ctx, replies, _("Let me pass you to a person from our team; they will answer here.")
        )
        return
    replies.append(reply_text(gettext("Sorry, I did not understand that.")))
    if repeat is not None:
        replies.extend(repeat())


def pending(ctx: Context, flow: dict) -> list[dict]:
    """The question the session waits on, asked again (for a channel that lost it)."""
    step = flow["steps"].get(ctx.session.step)
    if not ctx.session.waiting or step is None:
        return []
    return _step_types[step["type"]].prompt(ctx, step, True)


# --- the built-in step types --------------------------------------------------------------------


def _say(ctx: Context, step: dict, replies: list[dict]) -> str | None:
    override = (
        ctx.business.chat_text(step["text_attr"], ctx.language) if "text_attr" in step else ""
    )
    # The business's own text is shown as written (a "50% off" must stay so).
    replies.append(reply_text(override or render(step["text"], ctx)))
    return step.get("next")


def _say_check(step: dict) -> None:
    text_check(step["text"], "text")


def _prompt(ctx: Context, step: dict, repeat: bool = False) -> list[dict]:
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
        "submit": render(step.get("submit"), ctx) or pgettext("verb, chat button", "Send"),
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


def _wait(ctx: Context, step: dict, replies: list[dict]) -> str:
    replies.extend(_prompt(ctx, step))
    return WAIT


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


def _ask_answer(ctx: Context, step: dict, inbound: Inbound, replies: list[dict]) -> Answer:
    payload = inbound.payload or {}
    command = payload.get("command")
    if command is not None:
        spec = step.get("commands", {}).get(command)
        if spec is None:
            replies.append(reply_error(gettext("This option is not available here.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer()
        label = render(spec["label"], ctx)
        if spec.get("action"):
            try:
                replies.extend(_run_action(ctx, spec["action"], step).replies)
            except KazanError as error:
                replies.append(reply_error(str(error.message)))
        if spec.get("next"):
            return Answer(spec["next"], label)
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, label)
    raw = _raw_answer(inbound)
    try:
        check = _validators[step.get("validator", step.get("input", "text"))]
        # No savepoint here: a validator that counts a failed try (OTP) must keep the count.
        value = check(ctx, raw, step)
    except ValidationFailed as error:
        replies.append(reply_error(str(error.message)))
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, _log_text(step, raw, accepted=False) or None)
    if step.get("var"):
        ctx.state[step["var"]] = value
    return Answer(step.get("next") or _END, _log_text(step, raw, accepted=True, value=value))


def _ask_check(step: dict) -> None:
    name = step.get("validator", step.get("input", "text"))
    if name not in _validators:
        raise ValueError(f"unknown input {name}")
    for value, command in step.get("commands", {}).items():
        text_check(command["label"], f"command {value}")
        if command.get("action") and command["action"] not in _actions:
            raise ValueError(f"unknown action {command['action']}")


def _ask_targets(step: dict) -> list:
    return [step.get("next")] + [c.get("next") for c in step.get("commands", {}).values()]


def _choice(step: dict, ctx: Context, answer) -> dict | None:
    text = str(answer or "").strip().casefold()
    for index, choice in enumerate(step["choices"], start=1):
        if text in {str(choice["value"]).casefold(), render(choice["label"], ctx).casefold()}:
            return choice
        if text == str(index):
            return choice
    return None


def _choose_answer(ctx: Context, step: dict, inbound: Inbound, replies: list[dict]) -> Answer:
    payload = inbound.payload or {}
    chosen = _choice(step, ctx, payload.get("choice", inbound.text))
    log = str(inbound.text)[:TEXT_MAX] or None
    if chosen is None:
        if "choice" in payload or not inbound.text.strip():
            # A button that is not (or no longer) there: say so and show the options.
            replies.append(reply_error(gettext("Please choose one of the options.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer(None, log)
        return Answer(None, log, missed=True)
    if step.get("var"):
        ctx.state[step["var"]] = chosen["value"]
    return Answer(chosen.get("next") or step.get("next") or _END, render(chosen["label"], ctx))


def _choose_check(step: dict) -> None:
    choices = step["choices"]
    if not isinstance(choices, list) or not 1 <= len(choices) <= CHOICES_MAX:
        raise ValueError(f"a choice needs 1 to {CHOICES_MAX} options")
    for choice in choices:
        if not isinstance(choice["value"], str | int) or not str(choice["value"]).strip():
            raise ValueError("an option needs a value")
        text_check(choice["label"], f"option {choice['value']}")


def _choose_targets(step: dict) -> list:
    return [step.get("next")] + [c.get("next") for c in step.get("choices", [])]


def _act(ctx: Context, step: dict, replies: list[dict]) -> str | None:
    try:
        result = _run_action(ctx, step["action"], step)
    except KazanError as error:
        replies.append(reply_error(str(error.message)))
        on_error = step.get("on_error", {})
        target = on_error.get(error.code, on_error.get("*"))
        if target is None:
            raise
        return target
    replies.extend(result.replies)
    return result.next or step.get("next")


def _act_check(step: dict) -> None:
    if step["action"] not in _actions:
        raise ValueError(f"unknown action {step['action']}")


def _condition(ctx: Context, condition: dict) -> bool:
    value = ctx.state.get(condition["var"])
    if "eq" in condition:
        return value == condition["eq"]
    if "gte" in condition:
        return isinstance(value, int | float) and value >= condition["gte"]
    return bool(value) == bool(condition.get("truthy", True))


def _branch(ctx: Context, step: dict, replies: list[dict]) -> str | None:
    return next((c["next"] for c in step["cases"] if _condition(ctx, c["if"])), step.get("default"))


def _branch_check(step: dict) -> None:
    for case in step["cases"]:
        if not isinstance(case["if"]["var"], str):
            raise ValueError("a case needs a variable")


def _link_url(ctx: Context, link: dict) -> str:
    if "whatsapp" in link:
        digits = re.sub(r"\D", "", link["whatsapp"])
        text = render(link.get("text"), ctx)
        return f"https://wa.me/{digits}" + (f"?text={quote(text)}" if text else "")
    return link.get("url") or link["form"]


def _link(ctx: Context, step: dict, replies: list[dict]) -> str | None:
    if step.get("text"):
        replies.append(reply_text(render(step["text"], ctx)))
    replies.append(
        {
            "type": "links",
            "links": [
                {"label": render(link["label"], ctx), "url": _link_url(ctx, link)}
                for link in step["links"]
            ],
        }
    )
    return step.get("next")


def _link_check(step: dict) -> None:
    links = step["links"]
    if not isinstance(links, list) or not 1 <= len(links) <= LINKS_MAX:
        raise ValueError(f"a link step needs 1 to {LINKS_MAX} links")
    for link in links:
        text_check(link["label"], "link label")
        kinds = [key for key in ("url", "whatsapp", "form") if key in link]
        if len(kinds) != 1:
            raise ValueError("a link needs exactly one of url, whatsapp, form")
        target = str(link[kinds[0]])
        if kinds[0] == "whatsapp":
            if not _WHATSAPP.match(re.sub(r"[\s()-]", "", target)):
                raise ValueError("a WhatsApp link needs a phone number in international format")
            if link.get("text") is not None:
                text_check(link["text"], "WhatsApp text")
        elif len(target) > URL_MAX or not _URL.match(target):
            raise ValueError("a link needs an http(s) address")


for _type in (
    StepType("say", _say, check=_say_check),
    StepType(
        "ask", _wait, check=_ask_check, targets=_ask_targets, answer=_ask_answer, prompt=_prompt
    ),
    StepType(
        "choose",
        _wait,
        check=_choose_check,
        targets=_choose_targets,
        answer=_choose_answer,
        prompt=_prompt,
    ),
    StepType(
        "act",
        _act,
        check=_act_check,
        targets=lambda step: [step.get("next"), *step.get("on_error", {}).values()],
    ),
    StepType(
        "branch",
        _branch,
        check=_branch_check,
        targets=lambda step: [step.get("default"), *(c["next"] for c in step["cases"])],
    ),
    StepType("link", _link, check=_link_check),
    StepType("handoff", lambda ctx, step, replies: HANDOFF, targets=lambda step: []),
    StepType("end", lambda ctx, step, replies: None, targets=lambda step: []),
):
    step_type_register(_type)

"""What the engine is made of: the inbound message, the run context, what a step and an action
return, and the registries of step types, actions, validators and log displays."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kazan.conversations.models import BotSettings, Conversation, ConversationSession
    from kazan.tenancy.models import Business

# A flow, a step and a reply are plain JSON data (a flow is stored as a definition).
Flow = dict[str, Any]
Step = dict[str, Any]
Reply = dict[str, Any]

TEXT_MAX = 1000
# Outcomes of running a step besides the name of the next one (None: the flow ends).
WAIT = "__wait__"
HANDOFF = "__handoff__"
END = "__end__"
# The commands and options the engine adds itself: "Skip" on an optional question, "Back" to
# the step named by "back", and ◀ ▶ of a paged choice (values a flow's own options may not use).
SKIP = "skip"
BACK = "back"
PAGE_PREVIOUS = "page_prev"
PAGE_NEXT = "page_next"
# Engine keys in a session's state: the page each paged choice shows, and the step an answer
# returns to (a summary whose "Edit …" option sent the person to one question).
PAGES_VAR = "_pages"
RETURN_VAR = "_return"
# What a link in a links reply leads to (its "kind"), counted as a redirect of that kind when
# the visitor follows it (analytics' redirect_whatsapp, redirect_form, redirect_link).
LINK_WHATSAPP = "whatsapp"
LINK_FORM = "form"
LINK_OTHER = "link"
WHATSAPP_URL = "https://wa.me/"
# Input types whose raw text must never be logged, even when refused.
SECRET_INPUTS = frozenset({"otp", "phone"})


@dataclass(frozen=True)
class Inbound:
    """A normalized inbound message: what the person typed, or what they pressed."""

    text: str = ""
    payload: dict[str, Any] | None = None
    # Evidence the channel knows (ip, user_agent); used by actions, never stored in the log.
    meta: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.text.strip() and not self.payload


@dataclass
class Context:
    business: "Business"
    conversation: "Conversation"
    session: "ConversationSession"
    inbound: Inbound | None = None
    # The business's BotSettings (the fallback chain), or a function that loads it: most turns
    # never consult it, so services passes the loader and it runs on first use only.
    bot_settings_source: "BotSettings | Callable[[], BotSettings] | None" = None

    @cached_property
    def bot_settings(self) -> "BotSettings | None":
        source = self.bot_settings_source
        return source() if callable(source) else source

    @property
    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.session.state
        return state

    @property
    def language(self) -> str:
        return self.conversation.language or self.business.language

    @property
    def channel(self) -> str:
        return self.conversation.channel


@dataclass
class ActionResult:
    replies: list[Reply] = field(default_factory=list)
    next: str | None = None  # overrides the step's "next"


@dataclass
class Turn:
    """What one call of the engine produced: the replies, and how to log the inbound message."""

    replies: list[Reply]
    inbound_log: str | None = None


@dataclass
class Answer:
    """How a waiting step took an answer: the step to go on with (`END` ends the flow; None
    stays), the log text, and `missed` when the input is nothing the step expects."""

    next: str | None = None
    log: str | None = None
    missed: bool = False


def _next_only(step: Step) -> list[str | None]:
    return [step.get("next")]


@dataclass(frozen=True)
class StepType:
    """A kind of step. `run` adds replies and returns the next step's name, None (the flow
    ends), WAIT (an answer is awaited: then `answer` and `prompt` are required) or HANDOFF.
    `check` raises ValueError for a malformed step; `targets` names the steps it may go to."""

    name: str
    run: Callable[[Context, Step, list[Reply]], str | None]
    check: Callable[[Step], None] | None = None
    targets: Callable[[Step], list[Any]] = _next_only
    answer: Callable[[Context, Step, Inbound, list[Reply]], Answer] | None = None
    prompt: Callable[[Context, Step, bool], list[Reply]] | None = None


Action = Callable[[Context, Step], ActionResult | None]
Validator = Callable[[Context, Any, Step], Any]
Display = Callable[[Any], str]

_step_types: dict[str, StepType] = {}
_actions: dict[str, Action] = {}
_validators: dict[str, Validator] = {}
# How an accepted answer of each input type appears in the log (codes and numbers masked).
_displays: dict[str, Display] = {}


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


def display(input_type: str, function: Display) -> None:
    _displays[input_type] = function


# Read at call time (not bound at import), so a test may swap a registry for a copy.
def registered_step_types() -> Mapping[str, StepType]:
    return _step_types


def registered_actions() -> Mapping[str, Action]:
    return _actions


def registered_validators() -> Mapping[str, Validator]:
    return _validators


def registered_displays() -> Mapping[str, Display]:
    return _displays


def step_targets(step: Step) -> list[str]:
    """The names of the steps `step` may lead to, as its type says ([] for an unknown type)."""
    kind = _step_types.get(str(step.get("type"))) if isinstance(step, dict) else None
    return [name for name in kind.targets(step) if isinstance(name, str)] if kind else []

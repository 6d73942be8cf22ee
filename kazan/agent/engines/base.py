"""The one interface both agent engines implement (the local NLU one and the LLM one): a turn
in, replies and the tool calls made out. The agent step does the gates, the counting and the
hand-off around it, so an engine only understands and calls tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from kazan.agent.tools import ToolResult, ToolScope

if TYPE_CHECKING:
    from kazan.agent.models import AgentSettings
    from kazan.tenancy.models import Business


@dataclass
class AgentTurn:
    scope: ToolScope
    text: str
    payload: dict[str, Any] | None
    history: list[dict[str, str]]  # {"role": "user"|"assistant", "content": str}, oldest first
    settings: AgentSettings
    # The engine's own dialog state, kept in the conversation session between turns (last
    # products shown, a pending confirmation…); the engine may change it in place.
    state: dict[str, Any] = field(default_factory=dict)


@dataclass
class ExecutedCall:
    name: str
    arguments: dict[str, Any]
    result: ToolResult


@dataclass
class AgentOutcome:
    replies: list[dict[str, Any]]
    calls: list[ExecutedCall] = field(default_factory=list)
    handoff: bool = False
    understood: bool = True


class AgentEngine(Protocol):
    key: str

    def respond(self, turn: AgentTurn) -> AgentOutcome: ...


_ENGINES: dict[str, AgentEngine] = {}


def engine_register(engine: AgentEngine) -> AgentEngine:
    _ENGINES[engine.key] = engine
    return engine


def engine_get(key: str) -> AgentEngine | None:
    return _ENGINES.get(key)


def engine_for(business: Business, settings: AgentSettings) -> AgentEngine:
    """The LLM engine when the business chose it, it is registered and this month's AI message
    quota allows one more (`ai_message_take`); else the local engine, which needs no model."""
    llm = _ENGINES.get("llm")
    # An engine that can say it has nothing to talk to (no server configured) is skipped
    # before an AI message is counted.
    configured = getattr(llm, "configured", None)
    if (
        settings.engine == "llm"
        and llm is not None
        and (configured is None or configured(settings))
    ):
        from kazan.agent.services import ai_message_take

        if ai_message_take(business=business):
            return _ENGINES["llm"]
    local = _ENGINES.get("local")
    if local is None:  # pragma: no cover - registered by AgentConfig.ready()
        from kazan.agent.engines.local import LocalEngine

        local = engine_register(LocalEngine())
    return local

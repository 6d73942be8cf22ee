"""The agent's tool registry: each tool is a typed call into the commerce/FAQ services, scoped to
one turn's business and customer. Both engines (the local one and the LLM) call tools only
through `tool_call`, so validation, logging (AgentToolCall, no contact data) and counting
(AGENT_TOOL_CALL) happen once."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pydantic

from kazan.agent.error_codes import AgentErrorCode
from kazan.core.errors import KazanError

if TYPE_CHECKING:
    from kazan.conversations.models import Conversation
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

log = logging.getLogger(__name__)


@dataclass
class ToolScope:
    """Whom a tool acts for: every query a tool makes is bound to this business and customer."""

    business: Business
    customer: Customer | None
    conversation: Conversation | None = None
    channel: str = ""
    language: str = "en"
    engine: str = "local"


@dataclass
class ToolResult:
    ok: bool
    data: dict[str, Any] = field(default_factory=dict)
    error_code: str = ""
    message: str = ""


class ToolFailed(Exception):
    """A tool's expected refusal (not found, empty cart…), reported as a failed ToolResult."""

    def __init__(self, code: str, message: str = "", data: dict[str, Any] | None = None):
        super().__init__(message or code)
        self.code = code
        self.message = message
        self.data = data or {}


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    arguments: type[pydantic.BaseModel]
    run: Callable[[ToolScope, Any], dict[str, Any]]
    sensitive: bool = False


_TOOLS: dict[str, Tool] = {}


def tool_register(tool: Tool) -> Tool:
    """Add a tool (a later registration under the same name replaces it: tests, plugins)."""
    _TOOLS[tool.name] = tool
    return tool


def tools() -> list[Tool]:
    return list(_TOOLS.values())


def tool_get(name: str) -> Tool | None:
    return _TOOLS.get(name)


# Arguments that carry the customer's own words: logged by their length only, since a question
# may hold a name or an address that no pattern recognises.
FREE_TEXT_ARGUMENTS = frozenset({"question", "query", "text", "message"})


def _loggable(arguments: dict[str, Any]) -> dict[str, Any]:
    """Arguments as logged: numbers, flags, dates and short catalog words; contact data
    (emails, phone numbers) redacted, the customer's free text reduced to its length."""
    safe: dict[str, Any] = {}
    for key, value in arguments.items():
        if isinstance(value, bool | int | float) or value is None:
            safe[key] = value
        elif isinstance(value, str):
            if "@" in value or sum(ch.isdigit() for ch in value) >= 6:
                safe[key] = "[redacted]"
            elif key in FREE_TEXT_ARGUMENTS:
                safe[key] = f"[{len(value)} characters]"
            else:
                safe[key] = value[:80]
        elif isinstance(value, list):
            safe[key] = [v for v in value if isinstance(v, int | float | bool)][:20]
        else:
            safe[key] = str(value)[:40]
    return safe


def _record(scope: ToolScope, name: str, arguments: dict[str, Any], ok: bool, code: str) -> None:
    from kazan.agent.models import AgentToolCall
    from kazan.analytics.enums import EventKind
    from kazan.analytics.services import event_count

    AgentToolCall.objects.create(
        business=scope.business,
        conversation=scope.conversation,
        engine=scope.engine if scope.engine in ("local", "llm") else "local",
        tool=name[:40],
        arguments=_loggable(arguments),
        ok=ok,
        error_code=code[:40],
    )
    event_count(business=scope.business, kind=EventKind.AGENT_TOOL_CALL)


def tool_call(*, scope: ToolScope, name: str, arguments: dict[str, Any] | None) -> ToolResult:
    """Validate `arguments` against the tool's model, run it in `scope`, log and count it.
    Never raises for bad input: an unknown tool or bad arguments is a failed ToolResult an
    engine can show or feed back to a model."""
    tool = _TOOLS.get(name)
    arguments = arguments if isinstance(arguments, dict) else {}
    if tool is None:
        result = ToolResult(False, {}, AgentErrorCode.TOOL_UNKNOWN, f"unknown tool {name!r}")
        _record(scope, name, {}, False, result.error_code)
        return result
    try:
        parsed = tool.arguments.model_validate(arguments)
    except pydantic.ValidationError as exc:
        fields = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
        result = ToolResult(
            False,
            {"fields": fields},
            AgentErrorCode.TOOL_ARGUMENTS,
            "invalid arguments: " + ", ".join(fields),
        )
        _record(scope, name, {}, False, result.error_code)
        return result
    clean = parsed.model_dump(mode="json", exclude_none=True)
    try:
        data = tool.run(scope, parsed)
        result = ToolResult(True, data)
    except ToolFailed as exc:
        result = ToolResult(False, exc.data, exc.code, exc.message)
    except KazanError as exc:
        result = ToolResult(False, {}, str(exc.code), str(exc.message))
    _record(scope, name, clean, result.ok, result.error_code)
    return result


def tools_openai_schema() -> list[dict[str, Any]]:
    """The `tools=[...]` list of a chat-completions request, from each tool's pydantic model."""
    out = []
    for tool in _TOOLS.values():
        schema = tool.arguments.model_json_schema()
        schema.pop("title", None)
        for prop in schema.get("properties", {}).values():
            prop.pop("title", None)
        schema.setdefault("properties", {})
        out.append(
            {
                "type": "function",
                "function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": schema,
                },
            }
        )
    return out

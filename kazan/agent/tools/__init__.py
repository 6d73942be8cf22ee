"""The shopping agent's tools (seed 002's function calls). `registry` holds the machinery; the
tool modules register the 14 tools on import."""

from kazan.agent.tools.registry import (
    Tool,
    ToolFailed,
    ToolResult,
    ToolScope,
    tool_call,
    tool_get,
    tool_register,
    tools,
    tools_openai_schema,
)

__all__ = [
    "Tool",
    "ToolFailed",
    "ToolResult",
    "ToolScope",
    "tool_call",
    "tool_get",
    "tool_register",
    "tools",
    "tools_openai_schema",
]

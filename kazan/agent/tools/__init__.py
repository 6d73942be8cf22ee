"""The shopping agent's tools (seed 002's function calls). `registry` holds the machinery; the
tool modules register the 14 tools on import."""

from kazan.agent.tools import catalog as _catalog
from kazan.agent.tools import orders as _orders
from kazan.agent.tools import talk as _talk
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

for _module in (_catalog, _orders, _talk):
    _module.register()

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

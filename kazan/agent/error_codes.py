"""The stable codes of the shopping agent's errors."""

from kazan.core.errors import ErrorCode


class AgentErrorCode(ErrorCode):
    TOOL_UNKNOWN = "agent_tool_unknown"
    TOOL_ARGUMENTS = "agent_tool_arguments"
    ENGINE_UNAVAILABLE = "agent_engine_unavailable"
    INVALID_SETTINGS = "agent_invalid_settings"

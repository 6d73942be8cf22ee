"""Placeholder replaced by the local engine."""

from kazan.agent.engines.base import AgentOutcome, AgentTurn


class LocalEngine:
    key = "local"

    def respond(self, turn: AgentTurn) -> AgentOutcome:
        return AgentOutcome(replies=[], understood=False)

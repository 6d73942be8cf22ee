"""The fallback chain for input no step expects (issue 10): each registered fallback, in order and
when the business has it switched on (BotSettings), may answer; the engine then says "I did not
understand" with the options, and hands over to a person after too many misses.

The FAQ matcher and the agent arrive in later issues; until then they know no answer.
"""

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from kazan.conversations.engine import Context, Inbound


class Fallback(Protocol):
    key: str

    def enabled(self, bot_settings) -> bool:
        """Whether the business has this fallback switched on."""

    def answer(self, ctx: "Context", inbound: "Inbound") -> list[dict] | None:
        """Replies when it can answer, else None (the next one in the chain tries)."""


class FaqFallback:
    """Answers from the business's FAQ (none yet: the matcher is a later issue)."""

    key = "faq"

    def enabled(self, bot_settings) -> bool:
        return bool(bot_settings and bot_settings.faq_fallback)

    def answer(self, ctx: "Context", inbound: "Inbound") -> list[dict] | None:
        return None


class AgentFallback:
    """The assistant's answer (none yet: the agent is a later issue)."""

    key = "agent"

    def enabled(self, bot_settings) -> bool:
        return bool(bot_settings and bot_settings.agent_fallback)

    def answer(self, ctx: "Context", inbound: "Inbound") -> list[dict] | None:
        return None


_chain: list[Fallback] = []


def fallback_register(fallback: Fallback) -> None:
    """Add a fallback at the end of the chain (or replace the one with its key, in place)."""
    for index, known in enumerate(_chain):
        if known.key == fallback.key:
            _chain[index] = fallback
            return
    _chain.append(fallback)


def fallback_answer(ctx: "Context", inbound: "Inbound") -> list[dict] | None:
    """The first answer of an enabled fallback, or None."""
    if inbound.empty:
        return None
    for fallback in _chain:
        if fallback.enabled(ctx.bot_settings):
            replies = fallback.answer(ctx, inbound)
            if replies:
                return replies
    return None


fallback_register(FaqFallback())
fallback_register(AgentFallback())

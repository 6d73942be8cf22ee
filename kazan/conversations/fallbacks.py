"""The fallback chain for input no step expects (issue 10): each registered fallback, in order and
when the business has it switched on (BotSettings), may answer; the engine then says "I did not
understand" with the options, and hands over to a person after too many misses.

The FAQ answers register themselves (kazan.faq.fallback, from FaqConfig.ready()); the agent
arrives in a later issue and knows no answer until then.

A fallback may offer options of its own ("Did you mean …?"): their value is "<key>:<arg>"
(e.g. "faq:12") and the client sends it back as the payload's command (or choice). Such a pick
goes to the fallback's `command` whatever step waits (`fallback_command`), so it works in the
middle of a flow as well as after one.
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


class CommandFallback(Fallback, Protocol):
    def command(self, ctx: "Context", value: str) -> list[dict]:
        """Replies to the pick of one of its own options ("<key>:<arg>")."""


class AgentFallback:
    """The assistant's answer (none yet: the agent is a later issue)."""

    key = "agent"

    def enabled(self, bot_settings) -> bool:
        return bool(bot_settings and bot_settings.agent_fallback)

    def answer(self, ctx: "Context", inbound: "Inbound") -> list[dict] | None:
        return None


_chain: list[Fallback] = []


def fallback_register(fallback: Fallback, *, before: str | None = None) -> None:
    """Add a fallback at the end of the chain, or before the one with the key `before` (or
    replace the one with its own key, in place)."""
    for index, known in enumerate(_chain):
        if known.key == fallback.key:
            _chain[index] = fallback
            return
    keys = [known.key for known in _chain]
    _chain.insert(keys.index(before) if before in keys else len(_chain), fallback)


def fallback_command(ctx: "Context", inbound: "Inbound") -> list[dict] | None:
    """The answer to the pick of an option a fallback offered (payload command or choice
    "<key>:<arg>" of a fallback with a `command`), or None when it is no such pick."""
    payload = inbound.payload or {}
    for value in (payload.get("command"), payload.get("choice")):
        if not isinstance(value, str) or ":" not in value:
            continue
        key = value.split(":", 1)[0]
        for fallback in _chain:
            command = getattr(fallback, "command", None)
            if fallback.key == key and command is not None:
                replies: list[dict] = command(ctx, value)
                return replies
    return None


def fallback_answer(ctx: "Context", inbound: "Inbound") -> list[dict] | None:
    """The answer to a fallback's own option, else the first answer of an enabled fallback,
    else None."""
    if inbound.empty:
        return None
    claimed = fallback_command(ctx, inbound)
    if claimed is not None:
        return claimed
    for fallback in _chain:
        if fallback.enabled(ctx.bot_settings):
            replies = fallback.answer(ctx, inbound)
            if replies:
                return replies
    return None


fallback_register(AgentFallback())

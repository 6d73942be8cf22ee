"""Running a flow: a new session from its start, one inbound message at a time, the fallback
chain for input nothing expects, and the handover to a person. The caller holds the thread
row locked and saves the session afterwards (services)."""

import re
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.conversations import fallbacks
from kazan.conversations.engine.registry import (
    END,
    HANDOFF,
    TEXT_MAX,
    WAIT,
    ActionResult,
    Context,
    Flow,
    Inbound,
    Reply,
    Step,
    Turn,
    registered_actions,
    registered_step_types,
)
from kazan.conversations.models import ConversationSession, Status

MAX_STEPS_PER_TURN = 50


# --- texts --------------------------------------------------------------------------------------


class _Vars(dict[str, str | int]):
    def __missing__(self, key: str) -> str:
        return ""


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _values(ctx: Context) -> _Vars:
    values = _Vars({k: v for k, v in ctx.state.items() if isinstance(v, str | int)})
    values["business"] = ctx.business.name
    return values


def render(text: object, ctx: Context) -> str:
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
        return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), str(chosen))
    translated = gettext(str(text))
    try:
        return translated % _values(ctx)
    except (TypeError, ValueError, KeyError):
        return translated


def reply_text(text: str) -> Reply:
    return {"type": "text", "text": text}


def reply_error(text: str) -> Reply:
    return {"type": "error", "text": text}


# --- running ------------------------------------------------------------------------------------


def run_action(ctx: Context, name: str, step: Step) -> ActionResult:
    """Runs an action in a savepoint: a failing action leaves none of its writes behind."""
    with transaction.atomic():
        return registered_actions()[name](ctx, step) or ActionResult()


def _finish(ctx: Context, reason: str) -> None:
    session = ctx.session
    session.ended_at = session.ended_at or timezone.now()
    session.end_reason = reason
    session.waiting = False


def handoff(ctx: Context, replies: list[Reply], text: object = None) -> None:
    """A person takes the thread over: the session ends and the thread waits in the inbox."""
    if text:
        replies.append(reply_text(render(text, ctx)))
    _finish(ctx, ConversationSession.EndReason.HANDOFF)
    ctx.conversation.status = Status.OPEN


def _advance(ctx: Context, flow: Flow, name: str | None, replies: list[Reply]) -> None:
    """Runs steps from `name` until one waits for input, hands off, or the flow ends."""
    session = ctx.session
    step_types = registered_step_types()
    for _i in range(MAX_STEPS_PER_TURN):
        if name is None:
            session.step = ""
            _finish(ctx, ConversationSession.EndReason.COMPLETED)
            return
        step = flow["steps"][name]
        session.step = name
        outcome = step_types[step["type"]].run(ctx, step, replies)
        if outcome == WAIT:
            session.waiting = True
            return
        if outcome == HANDOFF:
            handoff(ctx, replies, step.get("text"))
            return
        name = outcome
    raise RuntimeError(f"flow {flow.get('key')}: more than {MAX_STEPS_PER_TURN} steps in one turn")


def start(ctx: Context, flow: Flow) -> Turn:
    """Runs a new session from the flow's first step."""
    replies: list[Reply] = []
    _advance(ctx, flow, flow["start"], replies)
    return Turn(replies)


def handle(ctx: Context, flow: Flow, inbound: Inbound) -> Turn:
    """One inbound message: answer the waiting step, then run on until the next question.
    Input the step does not expect goes down the fallback chain."""
    session = ctx.session
    ctx.inbound = inbound
    replies: list[Reply] = []
    claimed = fallbacks.fallback_command(ctx, inbound)
    if claimed is not None:
        # The pick of an option a fallback offered ("Did you mean …?"): its answer, then the
        # question the session waits on again.
        _answered(claimed, replies, lambda: pending(ctx, flow))
        return Turn(replies, str(inbound.text)[:TEXT_MAX] or None)
    step = flow["steps"].get(session.step) if session.waiting else None
    if step is None:
        # Not waiting (nothing to answer): run the flow from its start.
        _advance(ctx, flow, flow["start"], replies)
        return Turn(replies, str(inbound.text)[:TEXT_MAX] or None)
    kind = registered_step_types()[step["type"]]
    if kind.answer is None or kind.prompt is None:
        raise RuntimeError(f"step type {kind.name} waits but takes no answer")
    prompt = kind.prompt
    answer = kind.answer(ctx, step, inbound, replies)
    if answer.missed:
        missed(ctx, inbound, replies, repeat=lambda: prompt(ctx, step, True))
        return Turn(replies, answer.log)
    if answer.next is not None:
        session.waiting = False
        session.misses = 0
        _advance(ctx, flow, None if answer.next == END else answer.next, replies)
    return Turn(replies, answer.log)


def _answered(
    answered: list[Reply], replies: list[Reply], repeat: Callable[[], list[Reply]] | None
) -> None:
    """A fallback's answer, then the waiting question again (so a chat that shows only the
    latest question keeps it), unless the answer offers options of its own."""
    replies.extend(answered)
    if repeat is not None and not any(reply.get("type") == "choices" for reply in answered):
        replies.extend(repeat())


def missed(
    ctx: Context,
    inbound: Inbound,
    replies: list[Reply],
    repeat: Callable[[], list[Reply]] | None = None,
) -> None:
    """The fallback chain for input nothing expects: the business's fallbacks (FAQ, agent) in
    order; else "I did not understand" with the options asked again; a person takes over after
    BotSettings.misses_before_handoff misses in a row."""
    answered = fallbacks.fallback_answer(ctx, inbound)
    if answered:
        _answered(answered, replies, repeat)
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


def pending(ctx: Context, flow: Flow) -> list[Reply]:
    """The question the session waits on, asked again (for a channel that lost it)."""
    step = flow["steps"].get(ctx.session.step)
    if not ctx.session.waiting or step is None:
        return []
    prompt = registered_step_types()[step["type"]].prompt
    return prompt(ctx, step, True) if prompt is not None else []

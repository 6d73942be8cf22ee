""" "Try it": the flow in the editor runs in a small chat panel without touching real data.

The engine runs for real — it renders the {language: text} texts, links and options exactly as
a guest would see them — on an in-memory thread and session (unsaved model instances) whose step
and state live in the member's session; nothing is written to the database. Actions are not
run — each becomes a line saying what the bot would do there, and the flow goes on with the
step's next. Answers that a real conversation checks against real data (a phone number, an SMS
code) are taken as plain text."""

from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.conversations import engine
from kazan.conversations.editor.forms import action_label
from kazan.conversations.flowstore import flow_validate
from kazan.conversations.models import Conversation, ConversationSession
from kazan.conversations.queries import bot_settings_get

PREVIEW_KEY = "preview"
PREVIEW_CHANNEL = "web"
LOG_MAX = 80
# Validators that only look at the answer itself; the others (phone, otp) reach real data.
SAFE_VALIDATORS = frozenset({"text", "name", "rating", "comment", "consent"})


def preview_definition(definition: dict) -> dict:
    """The definition as the preview runs it: actions as notes (also a waiting step's command
    that would run one), answers that would be checked against real data taken as text."""
    steps = {}
    for name, step in definition["steps"].items():
        if step.get("type") == "act":
            note = gettext("(here the bot would: %(action)s)") % {
                "action": action_label(step.get("action", ""))
            }
            steps[name] = {"type": "say", "text": note, "next": step.get("next")}
            continue
        if step.get("type") == "ask":
            check = step.get("validator", step.get("input", "text"))
            if check not in SAFE_VALIDATORS:
                step = {**step, "validator": "text", "input": "text"}
            commands = step.get("commands", {})
            if any(command.get("action") for command in commands.values()):
                step = {
                    **step,
                    "commands": {
                        value: {k: v for k, v in command.items() if k != "action"}
                        for value, command in commands.items()
                    },
                }
        steps[name] = step
    return {"key": PREVIEW_KEY, "start": definition["start"], "steps": steps}


def _thread(business, saved: dict | None, language: str):
    """An unsaved thread and session with the step and state the member's session kept."""
    saved = saved or {}
    conversation = Conversation(business=business, channel=PREVIEW_CHANNEL, language=language)
    session = ConversationSession(
        business=business,
        step=str(saved.get("step", "")),
        waiting=bool(saved.get("waiting")),
        state=dict(saved.get("state") or {}),
        misses=int(saved.get("misses") or 0),
    )
    return conversation, session


def _saved(
    conversation: Conversation, session: ConversationSession, log: list[dict], choices: list
) -> dict:
    """What the member's session keeps: the engine's step and state, the chat so far, and
    the options the last question offers (shown as buttons)."""
    ended = session.ended_at is not None
    return {
        "language": conversation.language,
        "choices": choices,
        "step": session.step,
        "waiting": session.waiting,
        "state": session.state,
        "misses": session.misses,
        "ended": ended and session.end_reason != ConversationSession.EndReason.HANDOFF,
        "handed_off": session.end_reason == ConversationSession.EndReason.HANDOFF,
        "log": log[-LOG_MAX:],
    }


def preview_turn(
    *,
    business,
    definition: dict,
    saved: dict | None,
    language: str,
    message: str = "",
    choice: str = "",
) -> dict:
    """One turn of the preview: a new run when `saved` is None, else the answer (`message`
    typed or `choice` pressed). Returns what to keep in the member's session: step, state and
    the chat so far. Raises ValidationFailed when the engine refuses the definition."""
    flow_validate({**definition, "key": PREVIEW_KEY})
    flow = preview_definition(definition)
    previous = None if saved is None or saved.get("ended") or saved.get("handed_off") else saved
    fresh = previous is None
    conversation, session = _thread(business, previous, language)
    log: list[dict] = [] if previous is None else list(previous.get("log", []))
    inbound = engine.Inbound(text=message, payload={"choice": choice} if choice else None)
    bot_settings = bot_settings_get(business=business)
    ctx = engine.Context(business, conversation, session, inbound, bot_settings)
    with translation.override(language):
        try:
            turn = engine.start(ctx, flow) if fresh else engine.handle(ctx, flow, inbound)
        except RuntimeError:
            log.append(
                engine.reply_error(
                    gettext("These steps lead to each other without asking anything.")
                )
            )
            session.ended_at = session.ended_at or timezone.now()
            return _saved(conversation, session, log, [])
        # The options of the question the run waits on, as buttons under the chat.
        asked = engine.pending(ctx, flow)
    if not fresh:  # the answer as the log shows it (a choice by its label)
        log.append({"type": "user", "text": turn.inbound_log or message or choice})
    log.extend(turn.replies)
    choices: list[engine.Reply] = next(
        (reply["choices"] for reply in asked if reply.get("type") == "choices"), []
    )
    return _saved(conversation, session, log, choices)

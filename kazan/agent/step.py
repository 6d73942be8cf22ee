"""The engine's `agent` step: {"type": "agent"} — seed 002's message flow after the channel's
own checks (business active, customer not blocked): registered? if not, the registration
secure link (24 h); data-processing consent? if not, ask (yes/no) and record it with its
wording; then the agent engine (engine_for: the LLM when configured and within quota, else the
local one). It waits for the next message and stays on this step; a hand-off (on request or
after AgentSettings.handoff_after_failures failed turns in a row) passes the thread to a person.
Each turn counts AGENT_TURN (and AGENT_FAILED when not understood)."""

from __future__ import annotations

import contextvars
import logging
from typing import Any

from django.conf import settings as django_settings
from django.utils import translation
from django.utils.translation import gettext

from kazan.agent.engines.base import AgentOutcome, AgentTurn, ExecutedCall, engine_for
from kazan.agent.engines.prompt import memory_from_log
from kazan.agent.nlu import lexicon as lx
from kazan.agent.nlu.text import any_phrase, words
from kazan.agent.tools import ToolScope
from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.conversations.engine import (
    TEXT_MAX,
    Answer,
    Context,
    Inbound,
    Reply,
    Step,
    StepType,
    handoff,
    reply_text,
    step_type_register,
)
from kazan.conversations.engine.registry import HANDOFF, WAIT

log = logging.getLogger(__name__)

# The evaluation's recorder of a turn's tool calls (agent_eval sets it; None otherwise).
RECORDER: contextvars.ContextVar[list[ExecutedCall] | None] = contextvars.ContextVar(
    "agent_eval_recorder", default=None
)

AGENT_STEP = "agent"
STATE_KEY = "agent"
PHONE_CHANNELS = frozenset({"whatsapp", "sms"})
CONSENT_YES, CONSENT_NO = "consent_yes", "consent_no"
LANGUAGE_CODES = frozenset(code for code, _name in django_settings.LANGUAGES)


def registration_text() -> str:
    return gettext(
        "Hello! I will gladly help you with your purchase. To give you the best experience and "
        "process your orders, we need you to register first.\n\nI have created a secure "
        "registration link for you. This link is personal and expires in 24 hours for security "
        "reasons."
    )


def privacy_text() -> str:
    return gettext(
        "I understand your concern about privacy. Your security is our priority:\n"
        "1. The link uses a unique, temporary token to protect your registration\n"
        "2. All your data is stored securely on our encrypted servers\n"
        "3. We do not share your personal data with any external AI model\n"
        "4. We fully comply with the GDPR data protection rules\n\n"
        "Once registered you can shop, follow your orders and receive electronic invoices "
        "easily."
    )


def consent_text() -> str:
    return gettext(
        "Before we go on: do you agree that %(business)s processes your personal data to "
        "answer you and handle your orders, as described in its privacy policy?"
    )


def thanks_registered_text() -> str:
    return gettext(
        "Thank you for registering! Your account has been created.\n\nWe value your privacy "
        "and security: your data is kept only in our secure database and is not shared with "
        "external AI models.\n\nHow can I help you today? I can show you our featured "
        "products, help you find something specific or answer any question about our "
        "services."
    )


# --- the gates --------------------------------------------------------------------------------


def _customer(ctx: Context) -> Any:
    """The thread's customer; on a phone channel a new person becomes one by their number."""
    conversation = ctx.conversation
    if conversation.customer_id is not None:
        return conversation.customer
    identity = conversation.identity
    if identity is None or ctx.channel not in PHONE_CHANNELS:
        return None
    from kazan.customers.services import customer_get_or_create_by_phone, identity_attach

    customer, _created = customer_get_or_create_by_phone(
        business=ctx.business,
        phone=identity.external_id,
        name=identity.display_name,
        language=ctx.language,
        channel=ctx.channel,
        actor_kind="customer",
    )
    identity_attach(
        business=ctx.business,
        customer=customer,
        channel=ctx.channel,
        external_id=identity.external_id,
        actor_kind="customer",
    )
    conversation.customer = customer
    return customer


def customer_registered(customer: Any) -> bool:
    from kazan.customers.queries import customer_is_registered

    return customer_is_registered(customer)


def consent_granted(business: Any, customer: Any) -> bool:
    from kazan.customers.queries import data_processing_consent_granted

    return data_processing_consent_granted(business=business, customer=customer)


def _registration(ctx: Context, customer: Any, text: str, replies: list[Reply]) -> None:
    from kazan.links.services import secure_link_issue

    state = ctx.state.setdefault(STATE_KEY, {})
    tokens = words(text)
    if state.get("link_sent") and any_phrase(tokens, lx.PRIVACY):
        replies.append(reply_text(privacy_text()))
        return
    url = secure_link_issue(
        business=ctx.business, customer=customer, purpose="registration", channel=ctx.channel
    )
    state["link_sent"] = True
    replies.append(reply_text(registration_text()))
    replies.append(
        {
            "type": "links",
            "links": [{"label": gettext("Register securely"), "url": url, "kind": "form"}],
        }
    )


def _consent_choices() -> Reply:
    return {
        "type": "choices",
        "text": gettext("Do you agree?"),
        "choices": [
            {"value": CONSENT_YES, "label": gettext("Yes, I agree")},
            {"value": CONSENT_NO, "label": gettext("No")},
        ],
    }


def _consent(ctx: Context, customer: Any, inbound: Inbound, replies: list[Reply]) -> bool:
    """Asks for the data-processing consent, or records the answer; True once granted."""
    from kazan.customers.services import consent_grant, consent_wording_for_text

    state = ctx.state.setdefault(STATE_KEY, {})
    choice = (inbound.payload or {}).get("choice")
    tokens = words(inbound.text)
    said_yes = choice == CONSENT_YES or (not choice and any_phrase(tokens[:3], lx.YES))
    said_no = choice == CONSENT_NO or (not choice and any_phrase(tokens[:3], lx.NO))
    question = consent_text() % {"business": ctx.business.name}
    if state.get("consent_asked") and said_yes:
        wording = consent_wording_for_text(
            purpose="data_processing", language=ctx.language, text=question
        )
        consent_grant(
            business=ctx.business,
            customer=customer,
            purpose="data_processing",
            channel=ctx.channel,
            wording=wording,
            ip=inbound.meta.get("ip", ""),
            user_agent=inbound.meta.get("user_agent", ""),
        )
        state["consent_asked"] = False
        replies.append(reply_text(gettext("Thank you! How can I help you today?")))
        return True
    if state.get("consent_asked") and said_no:
        replies.append(
            reply_text(
                gettext(
                    "I understand. Without your consent I cannot handle your requests here; "
                    "if you change your mind, just write “yes”."
                )
            )
        )
        return False
    state["consent_asked"] = True
    replies.append(reply_text(question))
    replies.append(_consent_choices())
    return False


# --- the turn ---------------------------------------------------------------------------------


def agent_respond(ctx: Context, inbound: Inbound, replies: list[Reply]) -> bool:
    """One customer message through the gates and the engine. True: hand the thread over."""

    customer = _customer(ctx)
    if customer is None:
        replies.append(
            reply_text(gettext("Sorry, shopping in the chat is available on WhatsApp only."))
        )
        return False
    if not customer_registered(customer):
        _registration(ctx, customer, inbound.text, replies)
        return False
    if not consent_granted(ctx.business, customer):
        _consent(ctx, customer, inbound, replies)
        return False
    payload = inbound.payload or {}
    if isinstance(payload.get("order"), dict):
        from kazan.agent.shop import order_message_replies

        replies.extend(order_message_replies(ctx, customer, payload["order"]))
        return False
    # The customer's own language (from the registration form) once known, else the thread's.
    language = customer.language if customer.language in LANGUAGE_CODES else ctx.language
    with translation.override(language):
        return _engine_turn(ctx, customer, inbound, payload, language, replies)


def _engine_turn(
    ctx: Context,
    customer: Any,
    inbound: Inbound,
    payload: dict[str, Any],
    language: str,
    replies: list[Reply],
) -> bool:
    from kazan.agent.queries import agent_settings_get

    settings = agent_settings_get(business=ctx.business)
    if not settings.enabled:
        # The business switched its assistant off: the team answers in the inbox.
        replies.append(reply_text(gettext("A person from our team will answer you here shortly.")))
        return True
    engine = engine_for(ctx.business, settings)
    state = ctx.state.setdefault(STATE_KEY, {})
    dialog = state.setdefault("dialog", {})
    turn = AgentTurn(
        scope=ToolScope(
            business=ctx.business,
            customer=customer,
            conversation=ctx.conversation,
            channel=ctx.channel,
            language=language,
            engine=engine.key,
        ),
        text=inbound.text[:TEXT_MAX],
        payload=payload or None,
        # The model's memory: the thread's last messages without the team's internal notes.
        history=memory_from_log(
            business=ctx.business,
            conversation=ctx.conversation,
            limit=settings.memory_messages,
        )
        if engine.key != "local"
        else [],
        settings=settings,
        state=dialog,
    )
    outcome: AgentOutcome = engine.respond(turn)
    replies.extend(outcome.replies)
    recorder = RECORDER.get()
    if recorder is not None:
        recorder.extend(outcome.calls)
    event_count(business=ctx.business, kind=EventKind.AGENT_TURN)
    if outcome.understood:
        state["failures"] = 0
    else:
        event_count(business=ctx.business, kind=EventKind.AGENT_FAILED)
        state["failures"] = int(state.get("failures") or 0) + 1
    limit = settings.handoff_after_failures
    if not outcome.handoff and limit and state["failures"] >= limit:
        replies.append(
            reply_text(gettext("Let me pass you to a person from our team; they will answer here."))
        )
        return True
    return outcome.handoff


def _run(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    inbound = ctx.inbound
    if inbound is None or inbound.empty:
        return WAIT
    if agent_respond(ctx, inbound, replies):
        ctx.state.get(STATE_KEY, {})["failures"] = 0
        return HANDOFF
    return WAIT


def _answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    logged = inbound.text[:TEXT_MAX] or None
    if inbound.empty:
        return Answer(None)
    if agent_respond(ctx, inbound, replies):
        ctx.state.get(STATE_KEY, {})["failures"] = 0
        handoff(ctx, replies)
    return Answer(None, logged)


def _prompt(ctx: Context, step: Step, repeat: bool) -> list[Reply]:
    return []


def _check(step: Step) -> None:
    unknown = set(step) - {"type", "next"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")


def agent_step_register() -> None:
    step_type_register(StepType(AGENT_STEP, _run, check=_check, answer=_answer, prompt=_prompt))

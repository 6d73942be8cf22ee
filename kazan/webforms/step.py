"""The engine's `form` step: {"type": "form", "text"?: ..., "thanks"?: ..., "next": ...}.

On a channel that shows forms (the website widget) it sends the form reply and waits for the
chat payload {"form": {...}}, which goes through `form_submit`: on success a thanks text and
`next`; on mistakes the same form with the visitor's `values` and the `errors`; plain text
typed instead gets the form again with a hint. Elsewhere (SMS, WhatsApp, the landing chat) it
sends a link to the hosted form page and moves on, and in third-party mode a link to the
business's own form. The inbound's meta may carry the visitor's `ip`, `user_agent` (consent
evidence) and `origin` (the page the widget is on). Registered from WebformsConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext

from kazan.conversations.engine import (
    LINK_FORM,
    TEXT_MAX,
    Answer,
    Context,
    Inbound,
    Reply,
    Step,
    StepType,
    render,
    reply_error,
    reply_text,
    step_type_register,
    text_check,
)
from kazan.conversations.engine.registry import END, WAIT
from kazan.core.errors import KazanError
from kazan.webforms import formdef
from kazan.webforms.models import FormMode, FormSubmission
from kazan.webforms.queries import form_settings_get
from kazan.webforms.services import FormInvalid, form_submit

# Channels whose chat renders the form reply; the others get the hosted page's link.
INLINE_FORM_CHANNELS = frozenset({"widget"})
VALUE_MAX = 2000


def _links(ctx: Context, step: Step, replies: list[Reply], url: str) -> str | None:
    if step.get("text"):
        replies.append(reply_text(render(step["text"], ctx)))
    link = {"label": gettext("Contact form"), "url": url, "kind": LINK_FORM}
    replies.append({"type": "links", "links": [link]})
    next_step: str | None = step.get("next")
    return next_step


def _run(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    form = form_settings_get(business=ctx.business)
    if form.mode == FormMode.THIRD_PARTY and form.third_party_url:
        return _links(ctx, step, replies, form.third_party_url)
    if ctx.channel not in INLINE_FORM_CHANNELS:
        return _links(ctx, step, replies, formdef.hosted_form_url(ctx.business))
    if step.get("text"):
        replies.append(reply_text(render(step["text"], ctx)))
    replies.extend(_prompt(ctx, step, False))
    return WAIT


def _prompt(ctx: Context, step: Step, repeat: bool) -> list[Reply]:
    form = form_settings_get(business=ctx.business)
    return [formdef.form_reply(form, ctx.business, ctx.language)]


def _values(data: dict[str, Any]) -> dict[str, Any]:
    """What the visitor typed, to fill the form in again (bounded, text and the box only)."""
    values: dict[str, Any] = {
        name: str(data[name])[:VALUE_MAX]
        for name in formdef.FIELD_SPECS
        if isinstance(data.get(name), str | int) and not isinstance(data.get(name), bool)
    }
    if "consent" in data:
        values["consent"] = data["consent"] is True or str(data["consent"]).lower() in {
            "1",
            "true",
            "on",
        }
    return values


def _answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    payload = inbound.payload or {}
    data = payload.get("form")
    form = form_settings_get(business=ctx.business)
    if not isinstance(data, dict):
        if not inbound.text.strip() and not payload:
            return Answer(None)
        replies.append(reply_text(gettext("Please fill in the form and press “Send”.")))
        replies.append(formdef.form_reply(form, ctx.business, ctx.language))
        return Answer(None, inbound.text[:TEXT_MAX] or None)
    channel = (
        FormSubmission.Channel.WIDGET if ctx.channel == "widget" else FormSubmission.Channel.WEB
    )
    try:
        form_submit(
            business=ctx.business,
            data=data,
            channel=channel,
            language=ctx.language,
            conversation=ctx.conversation,
            origin=inbound.meta.get("origin", ""),
            ip=inbound.meta.get("ip", ""),
            user_agent=inbound.meta.get("user_agent", ""),
        )
    except FormInvalid as error:
        replies.append(
            formdef.form_reply(
                form, ctx.business, ctx.language, values=_values(data), errors=error.errors
            )
        )
        return Answer(None, gettext("Contact form (not sent: mistakes)"))
    except KazanError as error:
        replies.append(reply_error(str(error.message)))
        return Answer(step.get("next") or END, gettext("Contact form (not sent)"))
    replies.append(reply_text(render(step.get("thanks"), ctx) or str(formdef.THANKS)))
    return Answer(step.get("next") or END, gettext("Contact form sent"))


def _check(step: Step) -> None:
    if step.get("thanks") is not None:
        text_check(step["thanks"], "thanks")
    unknown = set(step) - {"type", "text", "thanks", "next"}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")


def form_step_register() -> None:
    step_type_register(StepType("form", _run, check=_check, answer=_answer, prompt=_prompt))

"""The built-in step types (say, ask, choose, act, branch, link, handoff, end), registered on
import; each is a `StepType` like any a later module plugs in."""

import re
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext, pgettext

from kazan.conversations.engine.checks import CHOICES_MAX, LINKS_MAX, URL_MAX, text_check
from kazan.conversations.engine.registry import (
    END,
    HANDOFF,
    LINK_FORM,
    LINK_OTHER,
    LINK_WHATSAPP,
    SECRET_INPUTS,
    TEXT_MAX,
    WAIT,
    WHATSAPP_URL,
    Answer,
    Context,
    Inbound,
    Reply,
    Step,
    StepType,
    registered_actions,
    registered_displays,
    registered_validators,
    step_type_register,
)
from kazan.conversations.engine.runtime import render, reply_error, reply_text, run_action
from kazan.core.errors import KazanError, ValidationFailed

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_WHATSAPP = re.compile(r"^\+?[1-9]\d{6,14}$")


def _say(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    override = (
        ctx.business.chat_text(step["text_attr"], ctx.language) if "text_attr" in step else ""
    )
    # The business's own text is shown as written (a "50% off" must stay so).
    replies.append(reply_text(override or render(step["text"], ctx)))
    next_step: str | None = step.get("next")
    return next_step


def _say_check(step: Step) -> None:
    text_check(step["text"], "text")


def _prompt(ctx: Context, step: Step, repeat: bool = False) -> list[Reply]:
    """The replies that ask: the question (unless repeated after an error) and the input."""
    replies = []
    if step.get("prompt") and not repeat:
        replies.append(reply_text(render(step["prompt"], ctx)))
    if step["type"] == "choose":
        replies.append(
            {
                "type": "choices",
                "choices": [
                    {"value": c["value"], "label": render(c["label"], ctx)} for c in step["choices"]
                ],
            }
        )
        return replies
    request = {
        "type": "input",
        "input": step.get("input", "text"),
        "optional": bool(step.get("optional")),
        "submit": render(step.get("submit"), ctx) or pgettext("verb, chat button", "Send"),
        "commands": [
            {"value": value, "label": render(command["label"], ctx)}
            for value, command in step.get("commands", {}).items()
        ],
    }
    for key in ("label", "placeholder", "checkbox", "notice"):
        value = render(step.get(key), ctx)
        if value:  # a checkbox without its wording is not shown at all
            request[key] = value
    if step.get("max"):
        request["max"] = step["max"]
    replies.append(request)
    return replies


def _wait(ctx: Context, step: Step, replies: list[Reply]) -> str:
    replies.extend(_prompt(ctx, step))
    return WAIT


def _raw_answer(inbound: Inbound) -> Any:
    payload = inbound.payload or {}
    return payload.get("value", inbound.text)


def _log_text(step: Step, raw: object, accepted: bool, value: object = None) -> str:
    kind = step.get("input", "text")
    displays = registered_displays()
    if accepted and kind in displays:
        return displays[kind](value)
    if kind in SECRET_INPUTS:
        return "••••••"
    return str(raw if raw is not None else "")[:TEXT_MAX]


def _ask_answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    payload = inbound.payload or {}
    command = payload.get("command")
    if command is not None:
        spec = step.get("commands", {}).get(command)
        if spec is None:
            replies.append(reply_error(gettext("This option is not available here.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer()
        label = render(spec["label"], ctx)
        if spec.get("action"):
            try:
                replies.extend(run_action(ctx, spec["action"], step).replies)
            except KazanError as error:
                replies.append(reply_error(str(error.message)))
        if spec.get("next"):
            return Answer(spec["next"], label)
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, label)
    raw = _raw_answer(inbound)
    try:
        check = registered_validators()[str(step.get("validator", step.get("input", "text")))]
        # No savepoint here: a validator that counts a failed try (OTP) must keep the count.
        value = check(ctx, raw, step)
    except ValidationFailed as error:
        replies.append(reply_error(str(error.message)))
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, _log_text(step, raw, accepted=False) or None)
    if step.get("var"):
        ctx.state[step["var"]] = value
    return Answer(step.get("next") or END, _log_text(step, raw, accepted=True, value=value))


def _ask_check(step: Step) -> None:
    name = step.get("validator", step.get("input", "text"))
    if name not in registered_validators():
        raise ValueError(f"unknown input {name}")
    for value, command in step.get("commands", {}).items():
        text_check(command["label"], f"command {value}")
        if command.get("action") and command["action"] not in registered_actions():
            raise ValueError(f"unknown action {command['action']}")


def _ask_targets(step: Step) -> list[Any]:
    return [step.get("next")] + [c.get("next") for c in step.get("commands", {}).values()]


def _choice(step: Step, ctx: Context, answer: object) -> dict[str, Any] | None:
    text = str(answer or "").strip().casefold()
    for index, choice in enumerate(step["choices"], start=1):
        if text in {str(choice["value"]).casefold(), render(choice["label"], ctx).casefold()}:
            chosen: dict[str, Any] = choice
            return chosen
        if text == str(index):
            chosen = choice
            return chosen
    return None


def _choose_answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    payload = inbound.payload or {}
    chosen = _choice(step, ctx, payload.get("choice", inbound.text))
    log = str(inbound.text)[:TEXT_MAX] or None
    if chosen is None:
        if "choice" in payload or not inbound.text.strip():
            # A button that is not (or no longer) there: say so and show the options.
            replies.append(reply_error(gettext("Please choose one of the options.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer(None, log)
        return Answer(None, log, missed=True)
    if step.get("var"):
        ctx.state[step["var"]] = chosen["value"]
    return Answer(chosen.get("next") or step.get("next") or END, render(chosen["label"], ctx))


def _choose_check(step: Step) -> None:
    choices = step["choices"]
    if not isinstance(choices, list) or not 1 <= len(choices) <= CHOICES_MAX:
        raise ValueError(f"a choice needs 1 to {CHOICES_MAX} options")
    for choice in choices:
        if not isinstance(choice["value"], str | int) or not str(choice["value"]).strip():
            raise ValueError("an option needs a value")
        text_check(choice["label"], f"option {choice['value']}")


def _choose_targets(step: Step) -> list[Any]:
    return [step.get("next")] + [c.get("next") for c in step.get("choices", [])]


def _act(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    try:
        result = run_action(ctx, step["action"], step)
    except KazanError as error:
        replies.append(reply_error(str(error.message)))
        on_error = step.get("on_error", {})
        target: str | None = on_error.get(error.code, on_error.get("*"))
        if target is None:
            raise
        return target
    replies.extend(result.replies)
    next_step: str | None = result.next or step.get("next")
    return next_step


def _act_check(step: Step) -> None:
    if step["action"] not in registered_actions():
        raise ValueError(f"unknown action {step['action']}")


def _act_targets(step: Step) -> list[Any]:
    return [step.get("next"), *step.get("on_error", {}).values()]


def _condition(ctx: Context, condition: dict[str, Any]) -> bool:
    value = ctx.state.get(condition["var"])
    if "eq" in condition:
        return bool(value == condition["eq"])
    if "gte" in condition:
        return isinstance(value, int | float) and value >= condition["gte"]
    return bool(value) == bool(condition.get("truthy", True))


def _branch(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    default: str | None = step.get("default")
    return next((c["next"] for c in step["cases"] if _condition(ctx, c["if"])), default)


def _branch_check(step: Step) -> None:
    for case in step["cases"]:
        if not isinstance(case["if"]["var"], str):
            raise ValueError("a case needs a variable")


def _branch_targets(step: Step) -> list[Any]:
    return [step.get("default"), *(c["next"] for c in step["cases"])]


def _link_url(ctx: Context, link: dict[str, Any]) -> str:
    if "whatsapp" in link:
        digits = re.sub(r"\D", "", link["whatsapp"])
        text = render(link.get("text"), ctx)
        return f"{WHATSAPP_URL}{digits}" + (f"?text={quote(text)}" if text else "")
    return str(link.get("url") or link["form"])


def link_kind(link: dict[str, Any], url: str) -> str:
    """What a link leads to, for the statistics' redirects: "whatsapp" (a WhatsApp link, or a
    wa.me address), "form" (a form link) or "link"."""
    if "whatsapp" in link or url.startswith(WHATSAPP_URL):
        return LINK_WHATSAPP
    return LINK_FORM if "form" in link else LINK_OTHER


def _link(ctx: Context, step: Step, replies: list[Reply]) -> str | None:
    if step.get("text"):
        replies.append(reply_text(render(step["text"], ctx)))
    links = []
    for link in step["links"]:
        url = _link_url(ctx, link)
        links.append(
            {"label": render(link["label"], ctx), "url": url, "kind": link_kind(link, url)}
        )
    replies.append({"type": "links", "links": links})
    next_step: str | None = step.get("next")
    return next_step


def _link_check(step: Step) -> None:
    links = step["links"]
    if not isinstance(links, list) or not 1 <= len(links) <= LINKS_MAX:
        raise ValueError(f"a link step needs 1 to {LINKS_MAX} links")
    for link in links:
        text_check(link["label"], "link label")
        kinds = [key for key in ("url", "whatsapp", "form") if key in link]
        if len(kinds) != 1:
            raise ValueError("a link needs exactly one of url, whatsapp, form")
        target = str(link[kinds[0]])
        if kinds[0] == "whatsapp":
            if not _WHATSAPP.match(re.sub(r"[\s()-]", "", target)):
                raise ValueError("a WhatsApp link needs a phone number in international format")
            if link.get("text") is not None:
                text_check(link["text"], "WhatsApp text")
        elif len(target) > URL_MAX or not _URL.match(target):
            raise ValueError("a link needs an http(s) address")


def _handoff(ctx: Context, step: Step, replies: list[Reply]) -> str:
    return HANDOFF


def _end(ctx: Context, step: Step, replies: list[Reply]) -> None:
    return None


def _no_targets(step: Step) -> list[Any]:
    return []


for _type in (
    StepType("say", _say, check=_say_check),
    StepType(
        "ask", _wait, check=_ask_check, targets=_ask_targets, answer=_ask_answer, prompt=_prompt
    ),
    StepType(
        "choose",
        _wait,
        check=_choose_check,
        targets=_choose_targets,
        answer=_choose_answer,
        prompt=_prompt,
    ),
    StepType("act", _act, check=_act_check, targets=_act_targets),
    StepType("branch", _branch, check=_branch_check, targets=_branch_targets),
    StepType("link", _link, check=_link_check),
    StepType("handoff", _handoff, targets=_no_targets),
    StepType("end", _end, targets=_no_targets),
):
    step_type_register(_type)

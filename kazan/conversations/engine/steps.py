"""The built-in step types (say, ask, choose, act, branch, link, handoff, end), registered on
import; each is a `StepType` like any a later module plugs in."""

import re
from typing import Any
from urllib.parse import quote

from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from kazan.conversations.engine.checks import (
    CHOICES_MAX,
    CHOICES_PAGED_MAX,
    LINKS_MAX,
    URL_MAX,
    text_check,
)
from kazan.conversations.engine.registry import (
    BACK,
    END,
    HANDOFF,
    LINK_FORM,
    LINK_OTHER,
    LINK_WHATSAPP,
    PAGE_NEXT,
    PAGE_PREVIOUS,
    PAGES_VAR,
    RETURN_VAR,
    SECRET_INPUTS,
    SKIP,
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


def _commands(step: Step) -> dict[str, dict[str, Any]]:
    """An ask step's commands: its own, then "Skip" for an optional answer and "Back" when it
    names the step before (unless it defines those itself)."""
    commands: dict[str, dict[str, Any]] = dict(step.get("commands", {}))
    if step.get("optional") and SKIP not in commands:
        commands[SKIP] = {"label": _("Skip"), "value": ""}
    if step.get("back") and BACK not in commands:
        commands[BACK] = {"label": _("◀ Back"), "next": step["back"]}
    return commands


def _choices(ctx: Context, step: Step) -> list[dict[str, Any]]:
    """A choose step's options (its own, or the list an action put in the state under its
    "choices_var": a customer's profiles, today's packages), with "Back" when it names the step
    before."""
    if "choices_var" in step:
        found = ctx.state.get(step["choices_var"])
        listed = found if isinstance(found, list) else []
        choices: list[dict[str, Any]] = [
            {"value": str(c["value"]), "label": str(c["label"])}
            for c in listed
            if isinstance(c, dict) and "value" in c and "label" in c
        ]
    else:
        choices = list(step["choices"])
    if step.get("back"):
        choices.append({"value": BACK, "label": _("◀ Back"), "next": step["back"]})
    return choices


def _page(ctx: Context, step: Step) -> int:
    pages: dict[str, int] = ctx.state.get(PAGES_VAR) or {}
    return int(pages.get(ctx.session.step, 0))


def _choices_reply(ctx: Context, step: Step) -> Reply:
    """The options as one reply: all of them, or one page with ◀ ▶ for a paged step. A paged
    or "edit" step's reply carries `edit`: a channel with menus (Telegram) replaces the menu
    the person pressed instead of sending a new one."""
    choices = _choices(ctx, step)
    size = int(step.get("page_size") or 0)
    if size:
        last = max(0, (len(choices) - 1) // size)
        page = min(_page(ctx, step), last)
        navigation = []
        if page > 0:
            navigation.append({"value": PAGE_PREVIOUS, "label": "◀"})
        if page < last:
            navigation.append({"value": PAGE_NEXT, "label": "▶"})
        choices = choices[page * size : (page + 1) * size] + navigation
    reply: Reply = {
        "type": "choices",
        "choices": [{"value": c["value"], "label": render(c["label"], ctx)} for c in choices],
    }
    if size or step.get("edit"):
        reply["edit"] = True
    return reply


def _prompt(ctx: Context, step: Step, repeat: bool = False) -> list[Reply]:
    """The replies that ask: the question (unless repeated after an error) and the input."""
    replies = []
    if step.get("prompt") and not repeat:
        replies.append(reply_text(render(step["prompt"], ctx)))
    if step["type"] == "choose":
        replies.append(_choices_reply(ctx, step))
        return replies
    request = {
        "type": "input",
        "input": step.get("input", "text"),
        "optional": bool(step.get("optional")),
        "submit": render(step.get("submit"), ctx) or pgettext("verb, chat button", "Send"),
        "commands": [
            {"value": value, "label": render(command["label"], ctx)}
            for value, command in _commands(step).items()
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


def next_after(ctx: Context, step: Step, chosen: str | None = None) -> str:
    """Where an answered step goes: back to the step that sent the person here to change one
    answer (a summary's "Edit …"), else its own next (END when none)."""
    back = ctx.state.pop(RETURN_VAR, None)
    if isinstance(back, str) and back and back != ctx.session.step:
        return back
    return chosen or step.get("next") or END


def _wait(ctx: Context, step: Step, replies: list[Reply]) -> str:
    replies.extend(_prompt(ctx, step))
    return WAIT


def _raw_answer(inbound: Inbound) -> Any:
    payload = inbound.payload or {}
    return payload.get("value", inbound.text)


def _log_text(step: Step, raw: object, accepted: bool, value: object = None) -> str:
    kind = step.get("input", "text")
    displays = registered_displays()
    if step.get("secret"):
        return "••••••"
    if accepted and kind in displays:
        return displays[kind](value)
    if kind in SECRET_INPUTS:
        return "••••••"
    return str(raw if raw is not None else "")[:TEXT_MAX]


def _command_of(ctx: Context, step: Step, inbound: Inbound) -> tuple[str | None, bool]:
    """The command an answer picks: a pressed button (a web chat's command, or a channel's
    choice such as Telegram's callback data) or a command's label typed out. Returns (the
    command, whether it was a button)."""
    payload = inbound.payload or {}
    for key in ("command", "choice"):
        if payload.get(key) is not None:
            return str(payload[key]), True
    typed = inbound.text.strip().casefold()
    if typed:
        for value, spec in _commands(step).items():
            engine_own = value in (SKIP, BACK) and typed == value
            if engine_own or typed == render(spec["label"], ctx).casefold():
                return value, False
    return None, False


def _validated(ctx: Context, step: Step, raw: object) -> Any:
    check = registered_validators()[str(step.get("validator", step.get("input", "text")))]
    # No savepoint here: a validator that counts a failed try (OTP) must keep the count.
    return check(ctx, raw, step)


def _ask_answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    command, _pressed = _command_of(ctx, step, inbound)
    raw = _raw_answer(inbound)
    if command is not None:
        spec = _commands(step).get(command)
        if spec is None:
            replies.append(reply_error(gettext("This option is not available here.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer()
        label = render(spec["label"], ctx)
        if "value" in spec:
            # A command that answers for the person ("Skip", "Use my username").
            raw = render(spec["value"], ctx) if spec["value"] else ""
            try:
                value = _validated(ctx, step, raw) if raw else ""
            except ValidationFailed as error:
                replies.append(reply_error(str(error.message)))
                replies.extend(_prompt(ctx, step, repeat=True))
                return Answer(None, label)
            if step.get("var"):
                ctx.state[step["var"]] = value
            return Answer(spec.get("next") or next_after(ctx, step), label)
        if spec.get("action"):
            try:
                replies.extend(run_action(ctx, spec["action"], step).replies)
            except KazanError as error:
                replies.append(reply_error(str(error.message)))
        if spec.get("next"):
            return Answer(spec["next"], label)
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, label)
    try:
        value = _validated(ctx, step, raw)
    except ValidationFailed as error:
        replies.append(reply_error(str(error.message)))
        replies.extend(_prompt(ctx, step, repeat=True))
        return Answer(None, _log_text(step, raw, accepted=False) or None)
    if step.get("var"):
        ctx.state[step["var"]] = value
    return Answer(next_after(ctx, step), _log_text(step, raw, accepted=True, value=value))


def _ask_check(step: Step) -> None:
    name = step.get("validator", step.get("input", "text"))
    if name not in registered_validators():
        raise ValueError(f"unknown input {name}")
    for value, command in step.get("commands", {}).items():
        text_check(command["label"], f"command {value}")
        if command.get("action") and command["action"] not in registered_actions():
            raise ValueError(f"unknown action {command['action']}")
        if "value" in command and not isinstance(command["value"], str):
            raise ValueError(f"command {value}: a value must be a string")


def _ask_targets(step: Step) -> list[Any]:
    commands = step.get("commands", {}).values()
    return [step.get("next"), step.get("back")] + [c.get("next") for c in commands]


def _choice(step: Step, ctx: Context, answer: object) -> dict[str, Any] | None:
    text = str(answer or "").strip().casefold()
    for index, choice in enumerate(_choices(ctx, step), start=1):
        if text in {str(choice["value"]).casefold(), render(choice["label"], ctx).casefold()}:
            return choice
        if text == str(index) and not step.get("page_size"):
            return choice
    return None


def _choose_answer(ctx: Context, step: Step, inbound: Inbound, replies: list[Reply]) -> Answer:
    payload = inbound.payload or {}
    picked = payload.get("choice", inbound.text)
    log = str(inbound.text)[:TEXT_MAX] or None
    if step.get("page_size") and picked in (PAGE_PREVIOUS, PAGE_NEXT):
        # Turning a page of a long list: the same question, the next options.
        pages = ctx.state.setdefault(PAGES_VAR, {})
        page = _page(ctx, step) + (1 if picked == PAGE_NEXT else -1)
        # A stale ▶ pressed again stays on the last page (◀ then goes back from there).
        last = max(0, (len(_choices(ctx, step)) - 1) // int(step["page_size"]))
        pages[ctx.session.step] = min(max(0, page), last)
        replies.extend(_prompt(ctx, step))
        return Answer(None, log)
    chosen = _choice(step, ctx, picked)
    if chosen is None:
        if "choice" in payload or not inbound.text.strip():
            # A button that is not (or no longer) there: say so and show the options.
            replies.append(reply_error(gettext("Please choose one of the options.")))
            replies.extend(_prompt(ctx, step, repeat=True))
            return Answer(None, log)
        return Answer(None, log, missed=True)
    (ctx.state.get(PAGES_VAR) or {}).pop(ctx.session.step, None)
    label = render(chosen["label"], ctx)
    if chosen["value"] == BACK and step.get("back"):
        return Answer(step["back"], label)
    if step.get("var"):
        ctx.state[step["var"]] = chosen["value"]
    if chosen.get("return"):
        # "Edit …" on a summary: the answer of the step it leads to comes back here.
        ctx.state[RETURN_VAR] = step.get("return_to") or ctx.session.step
        return Answer(chosen.get("next") or step.get("next") or END, label)
    return Answer(next_after(ctx, step, chosen.get("next")), label)


def _choose_check(step: Step) -> None:
    size = step.get("page_size")
    if "choices_var" in step:
        if not isinstance(step["choices_var"], str) or "choices" in step:
            raise ValueError("options come from the choices or from a variable, not both")
        if size is not None and (not isinstance(size, int) or not 1 <= size <= CHOICES_MAX):
            raise ValueError(f"a page has 1 to {CHOICES_MAX} options")
        return
    choices = step["choices"]
    if size is not None and (not isinstance(size, int) or not 1 <= size <= CHOICES_MAX):
        raise ValueError(f"a page has 1 to {CHOICES_MAX} options")
    most = CHOICES_PAGED_MAX if size else CHOICES_MAX
    reserved = {PAGE_PREVIOUS, PAGE_NEXT} if size else set()
    if step.get("back"):
        reserved.add(BACK)
    if not isinstance(choices, list) or not 1 <= len(choices) <= most:
        raise ValueError(f"a choice needs 1 to {most} options")
    for choice in choices:
        if not isinstance(choice["value"], str | int) or not str(choice["value"]).strip():
            raise ValueError("an option needs a value")
        if str(choice["value"]) in reserved:
            raise ValueError(f"the option value {choice['value']} is reserved")
        text_check(choice["label"], f"option {choice['value']}")


def _choose_targets(step: Step) -> list[Any]:
    own = [step.get("next"), step.get("back"), step.get("return_to")]
    return own + [c.get("next") for c in step.get("choices", [])]


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

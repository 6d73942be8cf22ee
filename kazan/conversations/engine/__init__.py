"""The channel-agnostic flow engine (DESIGN decision 7).

A flow is data: {"key", "start", "steps": {name: step}}. Every step has a "type" looked up in a
registry of step types (`step_type_register`), so a new type (a form, a product card, an agent
turn) plugs in without editing the engine. The built-in types:

- say:     {"type": "say", "text": ..., "text_attr": "greetings"?, "next": ...}  (text_attr: the
            business's own text in the conversation's language, Business.chat_text)
- ask:     {"type": "ask", "input": "text|name|phone|otp|consent|rating|comment", "var": ...,
            "prompt": ..., "validator": name, "next": ..., "optional": bool (a "Skip" command
            stores ""), "back": step? (a "◀ Back" command), "secret": bool
            (the answer is never logged), "label": the field's accessible name?,
            "placeholder": an example?, "commands": {value: {"label": ..., "action": name?,
            "next": step?, "value": an answer given for the person?}}}. A command comes as a
            web chat's command, a channel's choice (Telegram's callback) or its label typed.
- choose:  {"type": "choose", "prompt": ..., "var": ..., "choices": [{"value", "label",
            "next"?, "return"?: bool}], "next": ..., "back": step?, "page_size": n? (a long
            list, up to CHOICES_PAGED_MAX, a page at a time with ◀ ▶), "edit": bool? (the
            options replace the pressed menu on a channel with menus), "choices_var": name?
            (instead of "choices": the options an action put in the state)}. An option with
            "return" (a summary's "Edit …") brings the answer of the step it leads to back
            here (or to the step named by "return_to": the one that shows the summary).
- act:     {"type": "act", "action": name, "next": ..., "on_error": {error code | "*": step}}
- branch:  {"type": "branch", "cases": [{"if": {"var": ..., "eq"|"truthy"|"gte": ...},
            "next": ...}], "default": ...}
- link:    {"type": "link", "text": ..., "links": [{"label", "url"} | {"label", "whatsapp":
            "+49…", "text"?} | {"label", "form": url}], "next": ...}; replies a links reply
            whose links carry a `kind` ("whatsapp", "form" or "link": the redirect counted)
- handoff: {"type": "handoff", "text": ...}  — a person takes over; the bot stops replying.
- end:     {"type": "end"}

A text is either a str — an English msgid from code, translated at render time in the
conversation's language — or a dict {language: text} the business wrote (the conversation's
language, else the business's, else the first non-empty one). Our msgids are formatted with
%(name)s from the state and %(business)s; a business's own text gets only its named
placeholders filled and is otherwise shown as written.

Input comes in as an `Inbound`, output is a list of channel-neutral reply dicts: text, choices,
input, links, image, voucher, error. Input no step expects goes down the fallback chain
(conversations.fallbacks). The run state lives in the session (`ConversationSession`); nothing
here knows HTTP or a channel.

Actions and validators are named functions in registries (conversations.actions registers the
funnel's); flows name them, so a flow stays plain data.

The package: `registry` (the types and the registries), `runtime` (running a flow), `checks`
(checking one before it is saved) and `steps` (the built-in step types, registered on import).
"""

from kazan.conversations.engine import steps as _steps  # noqa: F401 (registers the built-ins)
from kazan.conversations.engine.checks import (
    CHOICES_MAX,
    CHOICES_PAGED_MAX,
    FLOW_STEPS_MAX,
    LINKS_MAX,
    URL_MAX,
    flow_check,
    text_check,
)
from kazan.conversations.engine.registry import (
    BACK,
    LINK_FORM,
    LINK_OTHER,
    LINK_WHATSAPP,
    SECRET_INPUTS,
    SKIP,
    TEXT_MAX,
    Action,
    ActionResult,
    Answer,
    Context,
    Flow,
    Inbound,
    Reply,
    Step,
    StepType,
    Turn,
    Validator,
    action,
    display,
    step_targets,
    step_type_register,
    validator,
)
from kazan.conversations.engine.runtime import (
    handle,
    handoff,
    missed,
    pending,
    render,
    reply_error,
    reply_text,
    start,
)

__all__ = [
    "BACK",
    "CHOICES_MAX",
    "CHOICES_PAGED_MAX",
    "FLOW_STEPS_MAX",
    "LINKS_MAX",
    "LINK_FORM",
    "LINK_OTHER",
    "LINK_WHATSAPP",
    "SECRET_INPUTS",
    "SKIP",
    "TEXT_MAX",
    "URL_MAX",
    "Action",
    "ActionResult",
    "Answer",
    "Context",
    "Flow",
    "Inbound",
    "Reply",
    "Step",
    "StepType",
    "Turn",
    "Validator",
    "action",
    "display",
    "flow_check",
    "handle",
    "handoff",
    "missed",
    "pending",
    "render",
    "reply_error",
    "reply_text",
    "start",
    "step_targets",
    "step_type_register",
    "text_check",
    "validator",
]

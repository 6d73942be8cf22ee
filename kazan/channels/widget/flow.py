"""The widget's own flow, seeded for a business when it first switches the widget on and then
edited like any flow in the flow editor: a menu of "Ask a question" (the visitor's free text
goes down the fallback chain, where the FAQ answers), "Chat on WhatsApp" (a wa.me link),
"Contact form" (the built-in form step) and "Talk to a person" (a hand-off while the team is
in, the offline message and the form outside the opening hours). Every option but the hand-off
comes back to the menu, which waits: the visitor's question typed there goes down the fallback
chain (the FAQ answers, then the menu again), and the form or a person stay one click away.

Two actions make the hours part of the flow: `widget_hours` puts `open` in the session's state
and `widget_offline` says the business's offline message in the conversation's language."""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kazan.channels.models import WidgetSettings
from kazan.channels.widget.rules import hours_open, text_for
from kazan.conversations import engine, flowstore
from kazan.conversations.editor import queries as editor_queries
from kazan.conversations.editor import services as editor_services
from kazan.conversations.engine.registry import registered_step_types

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

WIDGET_CHANNEL = "widget"
WIDGET_FLOW = "widget"
FORM_STEP = "form"


def _widget(business: "Business") -> WidgetSettings | None:
    return WidgetSettings.objects.filter(business=business).first()


@engine.action("widget_hours")
def _widget_hours(ctx: engine.Context, step: engine.Step) -> None:
    """`open`: whether the team answers now (no widget or no hours: open)."""
    from django.utils import timezone

    widget = _widget(ctx.business)
    hours = widget.opening_hours if widget is not None else {}
    ctx.state["open"] = hours_open(hours, ctx.business.timezone, timezone.now())


@engine.action("widget_offline")
def _widget_offline(ctx: engine.Context, step: engine.Step) -> engine.ActionResult:
    widget = _widget(ctx.business)
    text = text_for(widget.offline_messages if widget else {}, ctx.language)
    return engine.ActionResult(
        replies=[
            engine.reply_text(
                text
                or _("We are not in right now. Leave us a message and we will get back to you.")
            )
        ]
    )


def widget_flow_definition(*, whatsapp_number: str = "", whatsapp_text: str = "") -> dict[str, Any]:
    """The seeded widget flow (English msgids, translated when shown). The WhatsApp option
    only with a number; the contact form only where the form step type is installed."""
    has_form = FORM_STEP in registered_step_types()
    choices: list[dict[str, Any]] = [
        {"value": "ask", "label": gettext_lazy("Ask a question"), "next": "ask"}
    ]
    steps: dict[str, Any] = {
        "hours": {"type": "act", "action": "widget_hours", "next": "menu"},
        "menu": {
            "type": "choose",
            "prompt": gettext_lazy("How can we help you?"),
            "var": "topic",
            "choices": choices,
        },
        "ask": {
            "type": "say",
            "text": gettext_lazy("Type your question below and I will look for the answer."),
            "next": "menu",
        },
        "person": {
            "type": "branch",
            "cases": [{"if": {"var": "open", "truthy": True}, "next": "handoff"}],
            "default": "offline",
        },
        "handoff": {
            "type": "handoff",
            "text": gettext_lazy("A person from our team will answer you here shortly."),
        },
        "offline": {
            "type": "act",
            "action": "widget_offline",
            "next": "form" if has_form else None,
        },
    }
    if whatsapp_number:
        link: dict[str, Any] = {
            "label": gettext_lazy("Chat on WhatsApp"),
            "whatsapp": whatsapp_number,
        }
        if whatsapp_text:
            link["text"] = whatsapp_text
        choices.append(
            {"value": "whatsapp", "label": gettext_lazy("Chat on WhatsApp"), "next": "whatsapp"}
        )
        steps["whatsapp"] = {
            "type": "link",
            "text": gettext_lazy("Write to us on WhatsApp:"),
            "links": [link],
            "next": "menu",
        }
    if has_form:
        choices.append({"value": "form", "label": gettext_lazy("Contact form"), "next": "form"})
        steps["form"] = {"type": FORM_STEP, "next": "menu"}
    choices.append({"value": "person", "label": gettext_lazy("Talk to a person"), "next": "person"})
    return {"key": WIDGET_FLOW, "start": "hours", "order": list(steps), "steps": steps}


def widget_flow_ensure(*, business: "Business", widget: WidgetSettings) -> None:
    """Seeds the widget flow and binds it to the "widget" channel, unless the business bound
    a flow of its own to the widget already (re-enabling never overwrites an edited flow)."""
    if WIDGET_CHANNEL in editor_queries.bindings_by_channel(business=business):
        return
    version = flowstore.flow_version_save(
        business=business,
        key=WIDGET_FLOW,
        name=str(gettext_lazy("Website widget")),
        definition=widget_flow_definition(
            whatsapp_number=widget.whatsapp_number, whatsapp_text=widget.whatsapp_text
        ),
    )
    editor_services.flow_bind(
        business=business,
        flow=version.flow,
        channel=WIDGET_CHANNEL,
        restart_keywords=list(flowstore.RESTART_KEYWORDS),
        actor=None,  # type: ignore[arg-type]  # seeded by the system, not a member
    )

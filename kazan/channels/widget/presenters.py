"""What the widget shows, in the visitor's language: the frame's settings (also the API's
answer), every word of its interface (translated here; the scripts hold no English), and the
one-line snippet the dashboard hands out."""

from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from django.utils.html import escape
from django.utils.translation import gettext as _

from kazan.channels.chat_turn import chat_ui_strings
from kazan.channels.models import WidgetSettings
from kazan.channels.widget.queries import widget_open_now
from kazan.channels.widget.rules import LANGUAGE_CODES, text_for
from kazan.webforms.formdef import hosted_form_url
from kazan.webforms.queries import form_settings_get

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

DEFAULT_COLOR = "#1f7a5a"


def widget_color(*, business: "Business", widget: WidgetSettings) -> str:
    return widget.color or business.brand_color or DEFAULT_COLOR


def widget_logo_url(*, business: "Business", widget: WidgetSettings) -> str | None:
    if widget.logo:
        return str(widget.logo.url)
    return str(business.logo.url) if business.logo else None


def launcher_text(*, widget: WidgetSettings, language: str) -> str:
    return text_for(widget.launcher_texts, language) or _("Chat with us")


def ui_strings() -> dict[str, str]:
    """Every word the frame's script shows besides the replies."""
    return {
        **chat_ui_strings(),
        "question": _("Type your question…"),
        "messages": _("Messages"),
        "close": _("Close the chat"),
        "offline": _("We are not in right now."),
        "required": _("Please fill in this field."),
        "menu": _("Menu"),
    }


def settings_public(
    *, business: "Business", widget: WidgetSettings, language: str
) -> dict[str, Any]:
    """The frame's settings in `language` (call inside translation.override(language))."""
    whatsapp_url = None
    if widget.whatsapp_number:
        digits = widget.whatsapp_number.lstrip("+")
        whatsapp_url = f"https://wa.me/{digits}" + (
            f"?text={quote(widget.whatsapp_text)}" if widget.whatsapp_text else ""
        )
    return {
        "enabled": widget.enabled,
        "business": business.name,
        "language": language,
        "languages": list(widget.languages) or list(LANGUAGE_CODES),
        "color": widget_color(business=business, widget=widget),
        "logo": widget_logo_url(business=business, widget=widget),
        "position": widget.position,
        "greeting": text_for(widget.greetings, language)
        or _("Hello! Welcome to %(business)s. How can we help?") % {"business": business.name},
        "launcher_text": launcher_text(widget=widget, language=language),
        "offline_message": text_for(widget.offline_messages, language)
        or _("We are not in right now. Leave us a message and we will get back to you."),
        "proactive_message": text_for(widget.proactive_messages, language),
        "proactive_delay": widget.proactive_delay,
        "open_now": widget_open_now(business=business, widget=widget),
        "opening_hours": widget.opening_hours,
        "whatsapp_url": whatsapp_url,
        "strings": ui_strings(),
    }


def form_urls(*, business: "Business") -> list[str]:
    """The business's forms: Kazan's hosted page and its own form's address, if it gave one.
    The frame counts a link to one of them as a redirect to the form."""
    third_party = form_settings_get(business=business).third_party_url
    return [hosted_form_url(business), *([third_party] if third_party else [])]


def snippet(
    *,
    loader_url: str,
    business: "Business",
    widget: WidgetSettings,
    language: str,
    preview: str = "",
) -> str:
    """The one line a website embeds. The launcher's look travels as data attributes, so the
    loader draws the business's button without asking Kazan anything (decision 0021)."""
    attributes = [
        ("src", loader_url),
        ("data-client", business.client_id),
        ("data-color", widget_color(business=business, widget=widget)),
        ("data-position", widget.position),
        ("data-label", launcher_text(widget=widget, language=language)),
    ]
    proactive = text_for(widget.proactive_messages, language)
    if proactive and widget.proactive_delay:
        attributes += [
            ("data-proactive", proactive),
            ("data-proactive-delay", str(widget.proactive_delay)),
        ]
    if preview:  # the dashboard's preview only (channels.widget.tokens.preview_sign)
        attributes.append(("data-preview", preview))
    parts = " ".join(f'{name}="{escape(value)}"' for name, value in attributes)
    return f"<script {parts} async></script>"

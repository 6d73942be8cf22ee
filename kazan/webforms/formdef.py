"""What a contact form is made of, independent of where it is shown: its fields with their
labels, input types and autocomplete hints, the default texts, and the business's own texts
chosen by language. The chat's form reply, the hosted page and the API all read it here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from kazan.webforms.models import FIELD_NAMES, fields_default

if TYPE_CHECKING:
    from kazan.tenancy.models import Business
    from kazan.webforms.models import FormSettings

# Upper bounds of what a visitor may type (the chat's payload allows 2,000 characters a value).
NAME_MAX = 120
EMAIL_MAX = 254
PHONE_MAX = 40
MESSAGE_MAX = 2000
# A business's own texts.
TITLE_MAX = 120
INTRO_MAX = 500
CONSENT_TEXT_MAX = 1000


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str | Promise
    input_type: str
    autocomplete: str
    max_length: int


FIELD_SPECS = {
    "name": FieldSpec("name", _("Your name"), "text", "name", NAME_MAX),
    "email": FieldSpec("email", _("Email address"), "email", "email", EMAIL_MAX),
    "phone": FieldSpec("phone", _("Phone number"), "tel", "tel", PHONE_MAX),
    "message": FieldSpec("message", _("Your message"), "textarea", "off", MESSAGE_MAX),
}
DEFAULT_TITLE = _("Contact us")
DEFAULT_CONSENT = _(
    "Yes, %(business)s may send me news and offers by email or SMS. I can withdraw my consent "
    "at any time."
)
THANKS = _("Thank you! We received your message and will get back to you soon.")
SUBMIT_LABEL = pgettext_lazy("verb, form button", "Send")


def text_for(texts: object, language: str) -> str:
    """The business's own text in `language` ("de-AT" counts as "de"); "" when it wrote none."""
    if not isinstance(texts, dict):
        return ""
    code = (language or "").lower()
    text = texts.get(code) or texts.get(code.split("-")[0])
    return text.strip() if isinstance(text, str) else ""


def fields_normalized(raw: object) -> dict[str, dict[str, bool]]:
    """Every field with both flags; a required field is enabled."""
    given = raw if isinstance(raw, dict) else {}
    result = {}
    for name, default in fields_default().items():
        found = given.get(name)
        entry: dict[str, Any] = found if isinstance(found, dict) else default
        enabled = bool(entry.get("enabled", default["enabled"]))
        result[name] = {"enabled": enabled, "required": enabled and bool(entry.get("required"))}
    return result


def enabled_fields(settings: FormSettings) -> list[str]:
    fields = fields_normalized(settings.fields)
    return [name for name in FIELD_NAMES if fields[name]["enabled"]]


def title(settings: FormSettings, business: Business, language: str) -> str:
    """In the active language (the caller overrides it)."""
    return text_for(settings.titles, language) or gettext(str(DEFAULT_TITLE))


def intro(settings: FormSettings, language: str) -> str:
    return text_for(settings.intros, language)


def consent_text(settings: FormSettings, business: Business, language: str) -> str:
    """The text next to the consent box, "" when the form asks for no consent. The active
    language must be `language`: the default text is translated into it."""
    if not settings.consent_enabled:
        return ""
    own = text_for(settings.consent_texts, language)
    return own or gettext(str(DEFAULT_CONSENT)) % {"business": business.name}


def form_reply(
    settings: FormSettings,
    business: Business,
    language: str,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The chat's form reply (INTERFACES.md), in the active language."""
    fields = fields_normalized(settings.fields)
    consent = consent_text(settings, business, language)
    reply: dict[str, Any] = {
        "type": "form",
        "form": "contact",
        "title": title(settings, business, language),
        "fields": [
            {
                "name": name,
                "label": str(FIELD_SPECS[name].label),
                "type": FIELD_SPECS[name].input_type,
                "required": fields[name]["required"],
                "autocomplete": FIELD_SPECS[name].autocomplete,
            }
            for name in FIELD_NAMES
            if fields[name]["enabled"]
        ],
        "consent": (
            {"text": consent, "required": bool(settings.consent_required)} if consent else None
        ),
        "submit": str(SUBMIT_LABEL),
    }
    text = intro(settings, language)
    if text:
        reply["intro"] = text
    if values is not None:
        reply["values"] = values
    if errors:
        reply["errors"] = errors
    return reply


def hosted_form_url(business: Business) -> str:
    """The absolute address of the business's hosted contact form page (for SMS, the landing
    chat and the widget's "form" link)."""
    return django_settings.PUBLIC_URL + reverse("webform:page", args=[business.slug])

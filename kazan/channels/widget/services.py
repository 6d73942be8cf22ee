"""Write use-cases of the website widget: its settings (validated and normalised here, so the
frame, the API and the loader's snippet only ever see clean values) and its seeded flow."""

import re
from typing import TYPE_CHECKING, Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from kazan.activity.services import activity_record
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.models import WidgetSettings
from kazan.channels.widget.flow import WIDGET_CHANNEL, widget_flow_ensure
from kazan.channels.widget.rules import (
    LANGUAGE_CODES,
    ORIGINS_MAX,
    RANGES_PER_DAY_MAX,
    TEXT_MAX,
    clock_parse,
    origin_normalize,
)
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

TEXT_FIELDS = ("greetings", "launcher_texts", "offline_messages", "proactive_messages")
WIDGET_FIELDS = frozenset(
    {
        "enabled",
        "allowed_origins",
        "color",
        "logo",
        "position",
        *TEXT_FIELDS,
        "proactive_delay",
        "languages",
        "opening_hours",
        "whatsapp_number",
        "whatsapp_text",
    }
)
PROACTIVE_DELAY_MAX = 600
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")

__all__ = ["WIDGET_CHANNEL", "WIDGET_FIELDS", "widget_flow_ensure", "widget_settings_update"]


def _invalid(message: Any) -> ValidationFailed:
    return ValidationFailed(message, code=ChannelsErrorCode.WIDGET_INVALID)


def _origins_clean(value: object) -> list[str]:
    if not isinstance(value, list | tuple) or len(value) > ORIGINS_MAX:
        raise _invalid(_("List at most %(max)d websites.") % {"max": ORIGINS_MAX})
    origins: list[str] = []
    for raw in value:
        origin = origin_normalize(raw) if isinstance(raw, str) else None
        if origin is None:
            raise _invalid(
                _("“%(value)s” is not a website address like https://www.example.com.")
                % {"value": str(raw)[:80]}
            )
        if origin not in origins:
            origins.append(origin)
    return origins


def _texts_clean(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _invalid(_("Expected one text per language."))
    texts: dict[str, str] = {}
    for code, text in value.items():
        if code not in LANGUAGE_CODES:
            raise _invalid(_("Unknown language: %(code)s") % {"code": str(code)[:8]})
        if not isinstance(text, str) or len(text) > TEXT_MAX:
            raise _invalid(_("Each text may have at most %(max)d characters.") % {"max": TEXT_MAX})
        if text.strip():
            texts[code] = text.strip()
    return texts


def _hours_clean(value: object) -> dict[str, list[list[str]]]:
    if not isinstance(value, dict):
        raise _invalid(_("The opening hours are not valid."))
    hours: dict[str, list[list[str]]] = {}
    for day, ranges in value.items():
        if str(day) not in {str(n) for n in range(7)} or not isinstance(ranges, list):
            raise _invalid(_("The opening hours are not valid."))
        if len(ranges) > RANGES_PER_DAY_MAX:
            raise _invalid(_("At most %(max)d time ranges a day.") % {"max": RANGES_PER_DAY_MAX})
        cleaned = []
        for pair in ranges:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise _invalid(_("The opening hours are not valid."))
            opens, closes = clock_parse(pair[0]), clock_parse(pair[1])
            if opens is None or closes is None:
                raise _invalid(_("Write times like 09:00 or 17:30."))
            if closes <= opens and closes.hour + closes.minute:
                raise _invalid(_("A time range must end after it starts."))
            cleaned.append([str(pair[0]), str(pair[1])])
        hours[str(day)] = sorted(cleaned)
    return hours


def _whatsapp_clean(value: object) -> str:
    if not isinstance(value, str):
        raise _invalid(_("Enter the WhatsApp number in international format, like +49 151 …"))
    value = value.strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise _invalid(_("Enter the WhatsApp number in international format, like +49 151 …"))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


LOGO_MAX_BYTES = 1024 * 1024
LOGO_EXTENSIONS = (".png", ".jpg", ".jpeg", ".webp")


def _logo_clean(value: Any) -> Any:
    """An uploaded PNG, JPEG or WebP of at most 1 MB (no SVG: it can carry scripts), or ""."""
    if not value:
        return ""
    name = str(getattr(value, "name", "")).lower()
    if (
        not name.endswith(LOGO_EXTENSIONS)
        or getattr(value, "size", LOGO_MAX_BYTES + 1) > LOGO_MAX_BYTES
    ):
        raise _invalid(_("Upload the logo as a PNG, JPEG or WebP image of at most 1 MB."))
    return value


def _fields_clean(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - WIDGET_FIELDS
    if unknown:
        raise _invalid(_("Unknown settings: %(names)s") % {"names": ", ".join(sorted(unknown))})
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "allowed_origins":
            value = _origins_clean(value)
        elif name in TEXT_FIELDS:
            value = _texts_clean(value)
        elif name == "opening_hours":
            value = _hours_clean(value)
        elif name == "whatsapp_number":
            value = _whatsapp_clean(value)
        elif name == "color":
            value = (value or "").strip()
            if value and not _COLOR.match(value):
                raise _invalid(_("Use a colour like #1f7a5a."))
        elif name == "languages":
            if not isinstance(value, list | tuple) or not set(value) <= set(LANGUAGE_CODES):
                raise _invalid(_("Choose languages from the list."))
            value = [code for code in LANGUAGE_CODES if code in value]
        elif name == "proactive_delay":
            if isinstance(value, bool) or not isinstance(value, int):
                raise _invalid(_("The delay must be a number of seconds."))
            if not 0 <= value <= PROACTIVE_DELAY_MAX:
                raise _invalid(
                    _("The delay must be between 0 and %(max)d seconds.")
                    % {"max": PROACTIVE_DELAY_MAX}
                )
        elif name == "logo":
            value = _logo_clean(value)
        elif name in ("enabled",):
            value = bool(value)
        cleaned[name] = value
    return cleaned


def widget_settings_update(
    *, business: "Business", actor: "Actor", **fields: Any
) -> WidgetSettings:
    """Changes the widget's settings (created on first save). Records only the changed field
    names. The first time the widget is switched on, the widget flow is seeded and bound to
    the "widget" channel (editable in the flow editor afterwards)."""
    cleaned = _fields_clean(fields)
    with transaction.atomic():
        widget, _created = WidgetSettings.objects.select_for_update().get_or_create(
            business=business
        )
        before = {name: getattr(widget, name) for name in cleaned}
        for name, value in cleaned.items():
            setattr(widget, name, value)
        try:
            widget.full_clean(exclude=["business"])
        except ValidationError as error:
            raise _invalid(" ".join(error.messages)) from None
        changed = sorted(name for name in cleaned if getattr(widget, name) != before[name])
        if changed:
            widget.save()
            activity_record(
                business=business,
                actor=actor,
                action="widget.updated",
                target=widget,
                data={"fields": changed},
            )
        if widget.enabled and "enabled" in changed:
            widget_flow_ensure(business=business, widget=widget)
    return widget

"""The dashboard's widget form: plain fields in, the service's keyword arguments out (the
service validates and normalises; its message is shown on the form)."""

import re
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.channels.models import WidgetSettings

LANGUAGES = list(settings.LANGUAGES)
TEXT_GROUPS = (
    ("greetings", _("Greeting")),
    ("launcher_texts", _("Launcher button text")),
    ("offline_messages", _("Offline message")),
    ("proactive_messages", _("Proactive message")),
)
WEEKDAYS = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)
_RANGE = re.compile(r"^\s*(\d{1,2}:\d{2})\s*[-–]\s*(\d{1,2}:\d{2})\s*$")


def _clock(value: str) -> str:
    hours, minutes = value.split(":")
    return f"{int(hours):02d}:{minutes}"


class WidgetSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Show the widget on my website"), required=False)
    allowed_origins = forms.CharField(
        label=_("Allowed websites"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One address a line, like https://www.example.com. Elsewhere the widget refuses to run."
        ),
    )
    color = forms.CharField(
        label=_("Colour"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    logo = forms.FileField(
        label=_("Logo"), required=False, help_text=_("Empty: your business's logo.")
    )
    position = forms.ChoiceField(label=_("Position"), choices=WidgetSettings.Position.choices)
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=LANGUAGES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Visitors get their browser's language when it is offered. None ticked: all."),
    )
    proactive_delay = forms.IntegerField(
        label=_("Show the proactive message after (seconds, 0 = never)"),
        min_value=0,
        max_value=600,
        initial=0,
    )
    whatsapp_number = forms.CharField(label=_("WhatsApp number"), required=False, max_length=30)
    whatsapp_text = forms.CharField(
        label=_("Prefilled WhatsApp message"), required=False, max_length=300
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for group, heading in TEXT_GROUPS:
            for code, name in LANGUAGES:
                self.fields[f"{group}__{code}"] = forms.CharField(
                    label=f"{heading} ({name})", required=False, max_length=300
                )
        for day, weekday in enumerate(WEEKDAYS):
            self.fields[f"hours__{day}"] = forms.CharField(
                label=weekday,
                required=False,
                max_length=80,
                help_text=_("Like 09:00-12:00, 14:00-18:00; empty: closed."),
            )

    @classmethod
    def for_widget(cls, widget: WidgetSettings) -> "WidgetSettingsForm":
        initial: dict[str, Any] = {
            "enabled": widget.enabled,
            "allowed_origins": "\n".join(widget.allowed_origins),
            "color": widget.color,
            "position": widget.position,
            "languages": widget.languages,
            "proactive_delay": widget.proactive_delay,
            "whatsapp_number": widget.whatsapp_number,
            "whatsapp_text": widget.whatsapp_text,
        }
        for group, _heading in TEXT_GROUPS:
            for code, _name in LANGUAGES:
                initial[f"{group}__{code}"] = getattr(widget, group).get(code, "")
        for day in range(7):
            initial[f"hours__{day}"] = ", ".join(
                f"{start}-{end}" for start, end in widget.opening_hours.get(str(day), [])
            )
        return cls(initial=initial)

    def text_groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (heading, [self[f"{group}__{code}"] for code, _name in LANGUAGES])
            for group, heading in TEXT_GROUPS
        ]

    def hour_fields(self) -> list[forms.BoundField]:
        return [self[f"hours__{day}"] for day in range(7)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day in range(7):
            raw = data.get(f"hours__{day}") or ""
            for part in filter(None, (piece.strip() for piece in raw.split(","))):
                if not _RANGE.match(part):
                    self.add_error(f"hours__{day}", _("Write times like 09:00-17:30."))
                    break
        return data

    def changes(self) -> dict[str, Any]:
        """The cleaned form as widget_settings_update's keyword arguments."""
        data = self.cleaned_data
        hours: dict[str, list[list[str]]] = {}
        for day in range(7):
            ranges = []
            for part in filter(
                None, (p.strip() for p in (data.get(f"hours__{day}") or "").split(","))
            ):
                match = _RANGE.match(part)
                if match:
                    ranges.append([_clock(match.group(1)), _clock(match.group(2))])
            if ranges:
                hours[str(day)] = ranges
        fields: dict[str, Any] = {
            "enabled": data["enabled"],
            "allowed_origins": [line for line in data["allowed_origins"].split() if line],
            "color": data["color"],
            "position": data["position"],
            "languages": list(data["languages"]),
            "proactive_delay": data["proactive_delay"] or 0,
            "whatsapp_number": data["whatsapp_number"],
            "whatsapp_text": data["whatsapp_text"],
            # Days without hours are closed; no day at all: always open.
            "opening_hours": hours,
        }
        for group, _heading in TEXT_GROUPS:
            fields[group] = {code: data.get(f"{group}__{code}") or "" for code, _name in LANGUAGES}
        if data.get("logo"):
            fields["logo"] = data["logo"]
        return fields


class RotateForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that the current snippet stops working at once."), required=True
    )

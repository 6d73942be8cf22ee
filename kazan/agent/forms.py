"""The assistant page's forms: shapes and the ranges of seed 002's "AI configuration options"
table (the services and the table's constraints check them again)."""

from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.agent.engines.llm import host_is_private
from kazan.agent.models import AgentSettings, Engine, Speed, Tone
from kazan.agent.services import SETTINGS_FIELDS

PROMPT_MAX = 4000


class AgentSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("The assistant answers customers"), required=False)
    engine = forms.ChoiceField(label=_("Engine"), choices=Engine.choices)
    model = forms.CharField(
        label=_("Model"),
        max_length=100,
        required=False,
        help_text=_("For example gpt-4o-mini, or the name your own server gives its model."),
    )
    temperature = forms.DecimalField(
        label=_("Temperature"),
        min_value=Decimal("0.1"),
        max_value=Decimal("1.0"),
        decimal_places=1,
        max_digits=2,
        help_text=_("Creativity, 0.1 to 1.0 in steps of 0.1."),
    )
    max_tokens = forms.IntegerField(
        label=_("Max tokens"), min_value=50, max_value=1000, help_text=_("Answer length, 50–1000.")
    )
    top_p = forms.DecimalField(
        label=_("Top-p"),
        min_value=Decimal("0.5"),
        max_value=Decimal("1.0"),
        decimal_places=2,
        max_digits=3,
        help_text=_("Nucleus sampling, 0.5 to 1.0."),
    )
    top_k = forms.IntegerField(
        label=_("Top-k"),
        min_value=10,
        max_value=100,
        required=False,
        help_text=_("10–100. Sent only to servers that accept it (OpenAI does not)."),
    )
    system_prompt = forms.CharField(
        label=_("System prompt"),
        required=False,
        max_length=PROMPT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Empty: the basic retail template in the customer's language. The rules that keep "
            "the assistant on your catalog, orders and FAQs are always added."
        ),
    )
    memory_messages = forms.IntegerField(
        label=_("Memory (messages)"),
        min_value=1,
        max_value=20,
        help_text=_("How many previous messages of the conversation the model sees, 1–20."),
    )
    tone = forms.ChoiceField(label=_("Tone"), choices=Tone.choices)
    speed = forms.ChoiceField(label=_("Response speed"), choices=Speed.choices)
    base_url = forms.URLField(
        label=_("API base URL"),
        max_length=300,
        required=False,
        assume_scheme="https",
        help_text=_(
            "Your own OpenAI-compatible server, e.g. https://llm.example.com/v1. Empty: the "
            "platform's."
        ),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        max_length=500,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep the current key."),
    )
    api_key_remove = forms.BooleanField(label=_("Remove the stored API key"), required=False)
    handoff_after_failures = forms.IntegerField(
        label=_("Hand over to a person after"),
        min_value=1,
        max_value=10,
        help_text=_("Answers in a row the assistant did not understand, 1–10."),
    )

    def clean_base_url(self) -> str:
        url = (self.cleaned_data.get("base_url") or "").strip()
        if not url:
            return ""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise forms.ValidationError(_("Enter an http or https address."))
        if not settings.AGENT_LLM_ALLOW_PRIVATE_URLS:
            if parts.scheme != "https":
                raise forms.ValidationError(_("Use an https address."))
            if host_is_private(parts.hostname):
                raise forms.ValidationError(_("This address is not reachable from the platform."))
        return url.rstrip("/")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("api_key") and data.get("api_key_remove"):
            self.add_error("api_key", _("Enter a new key or remove the stored one, not both."))
        return data

    @classmethod
    def for_settings(cls, row: AgentSettings) -> "AgentSettingsForm":
        return cls(initial={name: getattr(row, name) for name in cls.setting_names()})

    @staticmethod
    def setting_names() -> list[str]:
        return list(SETTINGS_FIELDS)

    def changes(self) -> dict[str, Any]:
        """The service's keyword arguments: every setting, and api_key only when it changes."""
        data = self.cleaned_data
        out: dict[str, Any] = {name: data[name] for name in self.setting_names()}
        out["model"] = out["model"] or ""
        if data.get("api_key_remove"):
            out["api_key"] = ""
        elif data.get("api_key"):
            out["api_key"] = data["api_key"]
        return out


class TryForm(forms.Form):
    text = forms.CharField(label=_("Customer message"), max_length=1000)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

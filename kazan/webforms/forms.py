"""Dashboard forms of the webforms app: the submissions list's filters, the export request,
and the contact form's settings (one text box per language for each text)."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.tenancy.queries import team_members
from kazan.webforms import formdef
from kazan.webforms.models import FIELD_NAMES, FormMode, FormSettings, FormSubmission


class SubmissionFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *FormSubmission.Status.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any")), *FormSubmission.Channel.choices],
    )
    since = forms.DateField(label=_("Sent from"), required=False, validators=FILTER_DATE_VALIDATORS)
    until = forms.DateField(
        label=_("Sent until"), required=False, validators=FILTER_DATE_VALIDATORS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Exact name or email address")

    def export_filters(self) -> dict[str, Any]:
        """The same filters for an export (plain JSON; analytics validates them)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "name": data.get("q") or "",
            "status": data.get("status") or "",
            "channel": data.get("channel") or "",
            "since": data["since"].isoformat() if data.get("since") else None,
            "until": data["until"].isoformat() if data.get("until") else None,
        }


FIELD_LABELS = {
    "name": _("Name"),
    "email": _("Email address"),
    "phone": _("Phone number"),
    "message": _("Message"),
}
TEXT_GROUPS = (
    ("titles", _("Title"), formdef.TITLE_MAX),
    ("intros", _("Introduction"), formdef.INTRO_MAX),
    ("consent_texts", _("Consent text"), formdef.CONSENT_TEXT_MAX),
)


class FormSettingsForm(forms.Form):
    """Fields `<field>_enabled`/`<field>_required`, `<group>_<language>` texts, the rest by name.
    The service checks the rules (a contact field, an https address)."""

    mode = forms.ChoiceField(label=_("Form"), choices=FormMode.choices, widget=forms.RadioSelect)
    third_party_url = forms.URLField(
        label=_("Address of your own form"), required=False, max_length=500, assume_scheme="https"
    )
    consent_enabled = forms.BooleanField(label=_("Ask for consent to offers"), required=False)
    consent_required = forms.BooleanField(
        label=_("Only send the form with the consent box ticked"), required=False
    )
    notify = forms.BooleanField(label=_("Email me each new message"), required=False)
    notify_members = forms.MultipleChoiceField(
        label=_("Send the email to"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nobody chosen: the owners."),
    )

    def __init__(self, *args: Any, business: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = self.fields["notify_members"]
        assert isinstance(members, forms.MultipleChoiceField)
        members.choices = [
            (str(m.pk), f"{m.user.name or m.user.email} ({m.get_role_display()})")
            for m in team_members(business=business)
        ]
        for name in FIELD_NAMES:
            label = FIELD_LABELS[name]
            self.fields[f"{name}_enabled"] = forms.BooleanField(
                label=_("%(field)s: ask") % {"field": label}, required=False
            )
            self.fields[f"{name}_required"] = forms.BooleanField(
                label=_("%(field)s: required") % {"field": label}, required=False
            )
        for group, label, limit in TEXT_GROUPS:
            for code, language in settings.LANGUAGES:
                widget = forms.Textarea(attrs={"rows": 2}) if group != "titles" else None
                self.fields[f"{group}_{code}"] = forms.CharField(
                    label=f"{label} ({language})",
                    required=False,
                    max_length=limit,
                    widget=widget,
                )

    @staticmethod
    def initial_for(form: FormSettings, member_ids: list[int]) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "mode": form.mode,
            "third_party_url": form.third_party_url,
            "consent_enabled": form.consent_enabled,
            "consent_required": form.consent_required,
            "notify": form.notify,
            "notify_members": [str(pk) for pk in member_ids],
        }
        for name, flags in formdef.fields_normalized(form.fields).items():
            initial[f"{name}_enabled"] = flags["enabled"]
            initial[f"{name}_required"] = flags["required"]
        for group, _label, _limit in TEXT_GROUPS:
            texts = getattr(form, group) or {}
            for code, _language in settings.LANGUAGES:
                initial[f"{group}_{code}"] = texts.get(code, "")
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        kwargs: dict[str, Any] = {
            "mode": data["mode"],
            "third_party_url": data.get("third_party_url") or "",
            "consent_enabled": data.get("consent_enabled", False),
            "consent_required": data.get("consent_required", False),
            "notify": data.get("notify", False),
            "notify_member_ids": [int(pk) for pk in data.get("notify_members") or []],
            "fields": {
                name: {
                    "enabled": data.get(f"{name}_enabled", False),
                    "required": data.get(f"{name}_required", False),
                }
                for name in FIELD_NAMES
            },
        }
        for group, _label, _limit in TEXT_GROUPS:
            kwargs[group] = {
                code: data.get(f"{group}_{code}") or "" for code, _language in settings.LANGUAGES
            }
        return kwargs

    def text_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The language boxes grouped under each text's heading, for the template."""
        return [
            (str(label), [self[f"{group}_{code}"] for code, _language in settings.LANGUAGES])
            for group, label, _limit in TEXT_GROUPS
        ]

    def field_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [
            (str(FIELD_LABELS[name]), self[f"{name}_enabled"], self[f"{name}_required"])
            for name in FIELD_NAMES
        ]

"""Forms of the Telegram CRM panel: the users list's filters and the actions of a user's
page (notifications, profile edits). Bounds are checked here, at the edge; the services
check them again."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.crm.panel_queries import USER_FILTERS
from kazan.crm.panel_services import NOTIFY_MAX_LENGTH
from kazan.customers.profile_fields import GENDERS, OPTIONAL_FIELDS


class UserFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=120)
    status = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("", _("All users")), *USER_FILTERS.items()]
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name or Telegram username")

    def filters(self) -> dict[str, str]:
        if not self.is_valid():
            return {}
        return {"search": self.cleaned_data["q"], "status": self.cleaned_data["status"]}


class NotifyForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        max_length=NOTIFY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": NOTIFY_MAX_LENGTH}),
    )
    # One per form shown: a double submit of the same form sends once.
    nonce = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


class TestNotifyForm(forms.Form):
    """The test notification's form: its text is fixed, the nonce stops a double send."""

    nonce = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)


# The profile fields the team edits (the password stays the customer's), with their labels.
PROFILE_LABELS = {
    "first_name": _("First name"),
    "middle_name": _("Middle name"),
    "last_name": _("Last name"),
    "phone_e164": _("Phone"),
    "email": _("Email"),
    "gender": _("Gender"),
    "date_of_birth": _("Date of birth (YYYY-MM-DD)"),
    "street": _("Street"),
    "apartment": _("Apartment, suite"),
    "city": _("City"),
    "state": _("State"),
    "postal_code": _("Postal code"),
    "country": _("Country"),
    "telegram_username": _("Telegram username"),
    "instagram_username": _("Instagram username"),
}
GENDER_LABELS = {
    "female": _("Female"),
    "male": _("Male"),
    "other": _("Other"),
    "undisclosed": _("Prefer not to say"),
}


class ProfileForm(forms.Form):
    """A customer profile as the team edits it. Only lengths are checked here: every field's
    rules live in customers.profile_fields, which profile_update applies (its errors are put
    back on the fields by `errors_from`)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field, label in PROFILE_LABELS.items():
            if field == "gender":
                self.fields[field] = forms.ChoiceField(
                    label=label,
                    required=False,
                    choices=[("", "—"), *((key, GENDER_LABELS[key]) for key in GENDERS)],
                )
            else:
                self.fields[field] = forms.CharField(
                    label=label, required=field not in OPTIONAL_FIELDS, max_length=200
                )

    def errors_from(self, errors: dict[str, object]) -> None:
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, str(message))

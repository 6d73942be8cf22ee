"""Connecting a business's own Twilio account: the fields, checked before anything is saved."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ConnectForm, Connection
from kazan.core.masking import phone_mask

ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
AUTH_TOKEN = re.compile(r"^[0-9A-Za-z_-]{16,64}$")


class TwilioConnectForm(ConnectForm):
    label = forms.CharField(label=_("Name"), max_length=80, required=False)
    account_sid = forms.CharField(
        label=_("Account SID"),
        max_length=34,
        help_text=_("Starts with AC, from your Twilio console."),
    )
    auth_token = forms.CharField(
        label=_("Auth token"),
        max_length=64,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again."),
    )
    from_number = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_(
            "Your Twilio number in international format; customers' replies to it reach "
            "your conversations."
        ),
    )
    messaging_service_sid = forms.CharField(
        label=_("Messaging service SID"),
        max_length=34,
        required=False,
        help_text=_("Optional, starts with MG: sends through the service instead of the number."),
    )

    def clean_account_sid(self) -> str:
        return self.cleaned_matching(
            "account_sid", ACCOUNT_SID, _("An account SID is AC followed by 32 hex digits.")
        )

    def clean_auth_token(self) -> str:
        return self.cleaned_matching(
            "auth_token", AUTH_TOKEN, _("This does not look like a Twilio auth token.")
        )

    def clean_from_number(self) -> str:
        return self.cleaned_phone("from_number", "+15017122661")

    def clean_messaging_service_sid(self) -> str:
        return self.cleaned_matching(
            "messaging_service_sid",
            SERVICE_SID,
            _("A messaging service SID is MG followed by 32 hex digits."),
            required=False,
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not self.errors
            and not data.get("from_number")
            and not data.get("messaging_service_sid")
        ):
            raise forms.ValidationError(_("Enter a phone number or a messaging service SID."))
        return data

    def connection(self) -> Connection:
        data = self.cleaned_data
        credentials = {
            key: data[key]
            for key in ("account_sid", "auth_token", "from_number", "messaging_service_sid")
        }
        config = {
            "account_sid_last4": data["account_sid"][-4:],
            "number_masked": phone_mask(data["from_number"]),
            "messaging_service": bool(data["messaging_service_sid"]),
        }
        return Connection(credentials=credentials, config=config, address=data["from_number"])

"""Billing's dashboard forms."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.billing.services.accounts import CREDENTIAL_MAX


class OxaPayAccountForm(forms.Form):
    """The business's own OxaPay merchant key (write-only: never shown again)."""

    merchant_api_key = forms.CharField(
        label=_("OxaPay merchant API key"),
        required=False,
        max_length=CREDENTIAL_MAX,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_(
            "From “Merchant service” in your OxaPay panel. Stored encrypted and never shown "
            "again. Leave empty to keep the current key."
        ),
    )
    remove = forms.BooleanField(
        label=_("Disconnect my account (payments go to the platform's account)"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("merchant_api_key") and data.get("remove"):
            self.add_error(
                "merchant_api_key", _("Enter a new key or disconnect the account, not both.")
            )
        elif not data.get("merchant_api_key") and not data.get("remove"):
            self.add_error("merchant_api_key", _("Enter your merchant API key."))
        return data

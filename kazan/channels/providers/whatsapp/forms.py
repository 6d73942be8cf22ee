"""Connecting a business's WhatsApp Business number (Cloud API): the ids and secrets from Meta's
App Dashboard, checked for shape before anything is saved. The access token, the app secret
and the verify token are stored encrypted and never shown again; the ids, the masked display
number and the order-notification templates are shown on the Channels page."""

import re
import secrets
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.channels.providers.base import ConnectForm, Connection
from kazan.core.crypto import blind_index
from kazan.core.masking import phone_mask

GRAPH_ID = re.compile(r"^[0-9]{5,25}$")
TOKEN = re.compile(r"^[A-Za-z0-9_\-.|]{20,512}$")
APP_SECRET = re.compile(r"^[A-Za-z0-9]{16,128}$")
VERIFY_TOKEN = re.compile(r"^[\x21-\x7e]{8,128}$")
TEMPLATE_NAME = re.compile(r"^[a-z0-9_]{1,512}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(_[A-Z]{2})?$")
VERIFY_SCOPE = "channels.whatsapp.verify"


def verify_token_index(token: str) -> str:
    """The verify token's keyed hash, kept in `config`: the GET handshake compares it."""
    return blind_index(token, scope=VERIFY_SCOPE)


def _secret(label: Any, help_text: Any, max_length: int) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        widget=forms.PasswordInput(render_value=False),
        help_text=help_text,
    )


class WhatsAppConnectForm(ConnectForm):
    label = forms.CharField(label=_("Name"), max_length=80, required=False)
    phone_number_id = forms.CharField(
        label=_("Phone number ID"),
        max_length=25,
        help_text=_("From WhatsApp › API Setup in Meta's App Dashboard (digits only)."),
    )
    waba_id = forms.CharField(
        label=_("WhatsApp Business Account ID"), max_length=25, help_text=_("Digits only.")
    )
    display_phone_number = forms.CharField(
        label=_("Phone number"),
        max_length=32,
        required=False,
        help_text=_("The number customers write to, in international format (optional)."),
    )
    access_token = _secret(
        _("Access token"),
        _("A permanent token of a system user. Stored encrypted and never shown again."),
        512,
    )
    app_secret = _secret(
        _("App secret"),
        _("From App settings › Basic: signs the messages Meta sends us. Stored encrypted."),
        128,
    )
    verify_token = _secret(
        _("Verify token"),
        _("A word of your choice (8+ characters), entered again in Meta's webhook settings."),
        128,
    )
    catalog_id = forms.CharField(
        label=_("Catalog ID"),
        max_length=25,
        required=False,
        help_text=_("Optional: your Commerce Manager catalog, for product messages and orders."),
    )
    template_order_update = forms.CharField(
        label=_("Order update template"),
        max_length=512,
        required=False,
        help_text=_(
            "Name of an approved template (one text parameter) for order status messages "
            "when the customer has not written in the last 24 hours."
        ),
    )
    template_order_shipped = forms.CharField(
        label=_("Shipping template"), max_length=512, required=False
    )
    template_cart_reminder = forms.CharField(
        label=_("Cart reminder template"), max_length=512, required=False
    )
    template_language = forms.CharField(
        label=_("Template language"),
        max_length=8,
        required=False,
        help_text=_("The templates' language code, e.g. es, it, en_US."),
    )

    def _id(self, name: str, *, required: bool = True) -> str:
        return self.cleaned_matching(
            name,
            GRAPH_ID,
            _("Enter the ID as Meta shows it: digits only."),
            required=required,
        )

    def clean_phone_number_id(self) -> str:
        return self._id("phone_number_id")

    def clean_waba_id(self) -> str:
        return self._id("waba_id")

    def clean_catalog_id(self) -> str:
        return self._id("catalog_id", required=False)

    def clean_access_token(self) -> str:
        return self.cleaned_matching(
            "access_token", TOKEN, _("This does not look like a Meta access token.")
        )

    def clean_app_secret(self) -> str:
        return self.cleaned_matching(
            "app_secret", APP_SECRET, _("This does not look like an app secret.")
        )

    def clean_verify_token(self) -> str:
        return self.cleaned_matching(
            "verify_token",
            VERIFY_TOKEN,
            _("Use 8 to 128 characters without spaces for the verify token."),
        )

    def clean_display_phone_number(self) -> str:
        return self.cleaned_phone("display_phone_number", "+34600000000")

    def _template(self, name: str) -> str:
        return self.cleaned_matching(
            name,
            TEMPLATE_NAME,
            _("A template name has lowercase letters, digits and underscores only."),
            required=False,
        )

    def clean_template_order_update(self) -> str:
        return self._template("template_order_update")

    def clean_template_order_shipped(self) -> str:
        return self._template("template_order_shipped")

    def clean_template_cart_reminder(self) -> str:
        return self._template("template_cart_reminder")

    def clean_template_language(self) -> str:
        return self.cleaned_matching(
            "template_language",
            LANGUAGE,
            _("Enter a language code such as es, it or en_US."),
            required=False,
        )

    def connection(self) -> Connection:
        data = self.cleaned_data
        credentials = {
            key: data[key]
            for key in ("phone_number_id", "access_token", "app_secret", "verify_token")
        }
        config: dict[str, Any] = {
            "phone_number_id": data["phone_number_id"],
            "waba_id": data["waba_id"],
            "catalog_id": data["catalog_id"],
            "number_masked": phone_mask(data["display_phone_number"]),
            "verify_token_index": verify_token_index(data["verify_token"]),
            # This installation's callback URL /hooks/whatsapp/<hook_key>/ (routing only, not a
            # secret: the signature with the app secret is the credential).
            "hook_key": secrets.token_urlsafe(18),
            "templates": {
                "order_update": data["template_order_update"],
                "order_shipped": data["template_order_shipped"],
                "cart_reminder": data["template_cart_reminder"],
            },
            "template_language": data["template_language"] or "en",
        }
        return Connection(credentials=credentials, config=config, address=data["phone_number_id"])

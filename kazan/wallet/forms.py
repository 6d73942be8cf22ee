"""Forms of the wallet pages: a balance adjustment, a premium grant, the settings, the
transaction filters. Money is typed in major units (0.10) and stored in minor units."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.billing.gateways import gateway_keys
from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.core.money import minor_digits
from kazan.wallet.models import TokenEntryKind, WalletSettings
from kazan.wallet.services.premium import MAX_GRANT_DAYS
from kazan.wallet.services.tokens import MAX_MOVE

MAX_TOPUP_AMOUNTS = 8


class AdjustForm(forms.Form):
    amount = forms.IntegerField(
        label=_("Tokens (+ to add, − to take)"),
        min_value=-MAX_MOVE,
        max_value=MAX_MOVE,
        widget=forms.NumberInput(attrs={"step": 1}),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, strip=True)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter a number of tokens other than 0."))
        return int(amount)


class GrantPremiumForm(forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=MAX_GRANT_DAYS, initial=30)


# TokenPurchase.amount_minor is a 32-bit integer on PostgreSQL.
MAX_AMOUNT_MINOR = 2**31 - 1


def _to_minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(minor_digits(currency)).to_integral_value())


def _exact_in(value: Decimal, currency: str) -> bool:
    """Whether `value` is a whole number of the currency's minor unit, and above 0."""
    scaled = value.scaleb(minor_digits(currency))
    return scaled > 0 and scaled == scaled.to_integral_value()


class WalletSettingsForm(forms.Form):
    token_price = forms.DecimalField(
        label=_("Price of one token"), min_value=Decimal("0.01"), max_digits=9, decimal_places=2
    )
    currency = forms.CharField(label=_("Currency"), min_length=3, max_length=3)
    topup_amounts = forms.CharField(
        label=_("Top-up amounts offered"),
        help_text=_("Token amounts separated by commas, for example 100, 250, 500."),
        max_length=200,
    )
    topup_min = forms.IntegerField(label=_("Smallest top-up (tokens)"), min_value=1)
    topup_max = forms.IntegerField(
        label=_("Largest top-up (tokens)"), min_value=1, max_value=MAX_MOVE
    )
    gateway = forms.ChoiceField(label=_("Payment gateway"))
    invoice_lifetime_minutes = forms.IntegerField(
        label=_("Payment link valid for (minutes)"), min_value=15, max_value=2880
    )
    premium_price_tokens = forms.IntegerField(label=_("Premium price in tokens"), min_value=1)
    premium_price = forms.DecimalField(
        label=_("Premium price paid online"),
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
    )
    premium_days = forms.IntegerField(label=_("Premium days"), min_value=1, max_value=366)
    low_balance_threshold = forms.IntegerField(
        label=_("Low balance below (tokens)"), min_value=0, max_value=MAX_MOVE
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        gateway = cast("forms.ChoiceField", self.fields["gateway"])
        # Customers pay on the gateway's own page: a gateway without one cannot take them.
        gateway.choices = [(key, key) for key in gateway_keys(redirecting=True)]

    @classmethod
    def initial_from(cls, settings: WalletSettings) -> dict[str, Any]:
        digits = minor_digits(settings.currency)
        return {
            "token_price": Decimal(settings.token_price_minor).scaleb(-digits),
            "currency": settings.currency,
            "topup_amounts": ", ".join(str(n) for n in settings.topup_amounts or []),
            "topup_min": settings.topup_min,
            "topup_max": settings.topup_max,
            "gateway": settings.gateway,
            "invoice_lifetime_minutes": settings.invoice_lifetime_minutes,
            "premium_price_tokens": settings.premium_price_tokens,
            "premium_price": Decimal(settings.premium_price_minor).scaleb(-digits),
            "premium_days": settings.premium_days,
            "low_balance_threshold": settings.low_balance_threshold,
        }

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not (currency.isascii() and currency.isalpha()):
            raise forms.ValidationError(_("Enter a three-letter currency code, such as USD."))
        return currency

    def clean_topup_amounts(self) -> list[int]:
        parts = [part.strip() for part in self.cleaned_data["topup_amounts"].split(",")]
        parts = [part for part in parts if part]
        if not parts or len(parts) > MAX_TOPUP_AMOUNTS:
            raise forms.ValidationError(
                _("Enter between 1 and %(max)s amounts.") % {"max": MAX_TOPUP_AMOUNTS}
            )
        amounts = []
        for part in parts:
            if not (part.isascii() and part.isdigit()) or not 0 < int(part) <= MAX_MOVE:
                raise forms.ValidationError(
                    _("“%(value)s” is not a whole number of tokens.") % {"value": part[:20]}
                )
            amounts.append(int(part))
        return sorted(set(amounts))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("topup_min"), data.get("topup_max")
        if low is not None and high is not None and low > high:
            self.add_error("topup_max", _("The largest top-up must not be below the smallest."))
        currency = data.get("currency")
        if not currency:
            return data
        for name in ("token_price", "premium_price"):
            price = data.get(name)
            if price is not None and not _exact_in(price, currency):
                self.add_error(
                    name,
                    _("Enter an amount the currency %(currency)s can pay exactly, above 0.")
                    % {"currency": currency},
                )
        token_price, premium_price = data.get("token_price"), data.get("premium_price")
        amounts = [*(data.get("topup_amounts") or []), *([high] if high is not None else [])]
        if (
            token_price is not None
            and "token_price" not in self.errors
            and amounts
            and max(amounts) * _to_minor(token_price, currency) > MAX_AMOUNT_MINOR
        ):
            self.add_error(
                "token_price",
                _("The largest top-up at this price is too large an amount to pay online."),
            )
        if (
            premium_price is not None
            and "premium_price" not in self.errors
            and _to_minor(premium_price, currency) > MAX_AMOUNT_MINOR
        ):
            self.add_error("premium_price", _("This price is too large to pay online."))
        return data

    def settings_data(self) -> dict[str, Any]:
        """The cleaned values as WalletSettings fields (prices in minor units)."""
        data = dict(self.cleaned_data)
        currency = data["currency"]
        data["token_price_minor"] = _to_minor(data.pop("token_price"), currency)
        data["premium_price_minor"] = _to_minor(data.pop("premium_price"), currency)
        return data


class EntryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *TokenEntryKind.choices]
    )
    customer = forms.IntegerField(label=_("Customer number"), required=False, min_value=1)
    since = forms.DateField(label=_("From"), required=False, validators=FILTER_DATE_VALIDATORS)
    until = forms.DateField(label=_("Until"), required=False, validators=FILTER_DATE_VALIDATORS)

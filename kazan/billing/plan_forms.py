"""Staff's billing forms (used by the console, decision 0038): the filter choices of the
billing lists, a plan of the catalog with its prices, a business's custom plan terms."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _

from kazan.billing.models import Interval, Invoice, Payment, Plan, PlanPrice, SubscriptionStatus
from kazan.billing.services.plan_catalog import PLAN_EDITABLE, PriceData
from kazan.core.money import minor_digits

ALL = [("", _("All"))]

# How staff lists name a payment method: a bank transfer in the reader's language, the
# gateways by their brand. The console's payment-method filter offers the same names.
PAYMENT_METHOD_LABELS = {
    "manual": _("Bank transfer"),
    "stripe": "Stripe",
    "razorpay": "Razorpay",
    "oxapay": "OxaPay",
}
KIND_CHOICES = [
    *ALL,
    (Invoice.Kind.INVOICE, _("Invoices")),
    ("receipt", _("Receipts (paid invoices)")),
    (Invoice.Kind.CREDIT_NOTE, _("Credit notes")),
]
# The status filter of each list (payments, invoices and subscriptions have their own).
STATUS_CHOICES = {
    "payments": [*ALL, *Payment.Status.choices],
    "invoices": [*ALL, *Invoice.Status.choices],
    "subscriptions": [*ALL, *SubscriptionStatus.choices],
}


def _too_precise(amount: Decimal, currency: str) -> bool:
    """More decimals than the currency's minor unit holds (4.999 EUR, 10.5 JPY)."""
    return amount != amount.quantize(Decimal(1).scaleb(-minor_digits(currency)))


def _decimals_error(currency: str) -> str:
    digits = minor_digits(currency)
    if digits == 0:
        return _("%(currency)s has no decimals.") % {"currency": currency}
    return _("%(currency)s has at most %(digits)s decimals.") % {
        "currency": currency,
        "digits": digits,
    }


def plan_choices() -> list[tuple[str, object]]:
    return [*ALL, *Plan.objects.values_list("key", "name")]


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("help_text", _("Kept in the internal log."))
        super().__init__(**kwargs)


class PlanForm(forms.ModelForm):
    """A plan of the catalog with its prices: one amount per interval and currency, typed in
    major units (49.00), empty for none; a price once set can be switched off, not deleted."""

    reason = ReasonField()

    class Meta:
        model = Plan
        fields = PLAN_EDITABLE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "analytics_days" in self.fields:
            # 0 days would make the nightly purge delete all of a business's history.
            self.fields["analytics_days"].min_value = 1
            self.fields["analytics_days"].validators.append(MinValueValidator(1))
        prices = list(PlanPrice.objects.filter(plan=self.instance)) if self.instance.pk else []
        currencies = sorted({p.currency for p in prices} | {settings.PLATFORM_CURRENCY})
        self.price_slots: list[tuple[str, str, str]] = []  # (field name, interval, currency)
        existing = {(p.interval, p.currency): p for p in prices}
        for currency in currencies:
            for interval, label in Interval.choices:
                name = f"price_{interval}_{currency}"
                found = existing.get((interval, currency))
                self.fields[name] = forms.DecimalField(
                    label=f"{label} ({currency})",
                    required=False,
                    min_value=Decimal(0),
                    max_value=Decimal(10_000_000),
                    decimal_places=minor_digits(currency),
                    initial=Decimal(found.amount_minor).scaleb(-minor_digits(currency))
                    if found and found.active
                    else None,
                    help_text=_("Net, per period; empty: not offered."),
                )
                self.price_slots.append((name, interval, currency))
        self.existing_prices = existing
        # A price in a currency the plan has none in yet (any ISO 4217 code).
        self.fields["add_currency"] = forms.CharField(
            label=_("Add a currency"),
            required=False,
            min_length=3,
            max_length=3,
            help_text=_("Three letters (USD, INR); then its prices below."),
        )
        for interval, label in Interval.choices:
            self.fields[f"add_{interval}"] = forms.DecimalField(
                label=label,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(10_000_000),
                help_text=_("Net, per period, in the added currency."),
            )

    def clean_add_currency(self) -> str:
        currency = (self.cleaned_data.get("add_currency") or "").strip().upper()
        if currency and (len(currency) != 3 or not currency.isalpha()):
            raise forms.ValidationError(_("A currency is three letters (EUR)."))
        return currency

    def clean(self):
        cleaned = super().clean()
        currency = cleaned.get("add_currency") or ""
        amounts = {i: cleaned.get(f"add_{i}") for i in Interval.values}
        if currency:
            if all(amount is None for amount in amounts.values()):
                self.add_error("add_currency", _("Enter a price in the added currency."))
            for interval, amount in amounts.items():
                if amount is not None and _too_precise(amount, currency):
                    self.add_error(f"add_{interval}", _decimals_error(currency))
        elif any(amount is not None for amount in amounts.values()):
            self.add_error("add_currency", _("Name the currency of these prices."))
        return cleaned

    def changed_fields(self) -> dict:
        return {field: self.cleaned_data[field] for field in PLAN_EDITABLE}

    def prices(self) -> list[PriceData]:
        """Every slot with an amount; an emptied slot that had a price switches it off."""
        result = []
        for name, interval, currency in self.price_slots:
            amount = self.cleaned_data.get(name)
            if amount is not None:
                minor = int(amount.scaleb(minor_digits(currency)))
                result.append(PriceData(interval, currency, minor, True))
            elif (found := self.existing_prices.get((interval, currency))) is not None:
                result.append(PriceData(interval, currency, found.amount_minor, False))
        if added := str(self.cleaned_data.get("add_currency") or ""):
            slots = {(interval, c) for _name, interval, c in self.price_slots}
            for interval in Interval.values:
                amount = self.cleaned_data.get(f"add_{interval}")
                if amount is not None and (interval, added) not in slots:
                    minor = int(amount.scaleb(minor_digits(added)))
                    result.append(PriceData(interval, added, minor, True))
        return result


class PlanTermsForm(forms.Form):
    """Custom terms for one business (an Enterprise contract): plan, price per interval."""

    plan = forms.ModelChoiceField(label=_("Plan"), queryset=Plan.objects.filter(active=True))
    interval = forms.ChoiceField(label=_("Interval"), choices=Interval.choices)
    amount = forms.DecimalField(
        label=_("Price per period (net)"), min_value=Decimal(0), max_value=Decimal(10_000_000)
    )
    currency = forms.CharField(label=_("Currency"), min_length=3, max_length=3)
    reason = ReasonField()

    def clean_currency(self) -> str:
        currency = self.cleaned_data["currency"].strip().upper()
        if not currency.isalpha():
            raise forms.ValidationError(_("A currency is three letters (EUR)."))
        return currency

    def clean(self):
        cleaned = super().clean()
        amount, currency = cleaned.get("amount"), cleaned.get("currency")
        if amount is not None and currency and _too_precise(amount, currency):
            self.add_error("amount", _decimals_error(currency))
        return cleaned

    def amount_minor(self) -> int:
        currency = self.cleaned_data["currency"]
        return int(self.cleaned_data["amount"].scaleb(minor_digits(currency)))

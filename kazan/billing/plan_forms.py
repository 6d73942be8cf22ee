"""Staff's billing forms (used by the console, decision 0038): the filter choices of the
billing lists, a plan of the catalog with its prices, a business's custom plan terms."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.billing.models import Interval, Invoice, Payment, Plan, PlanPrice, SubscriptionStatus
from kazan.billing.services.plan_catalog import PLAN_EDITABLE, PriceData
from kazan.core.money import minor_digits

ALL = [("", _("All"))]
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

    def amount_minor(self) -> int:
        currency = self.cleaned_data["currency"]
        return int(self.cleaned_data["amount"].scaleb(minor_digits(currency)))

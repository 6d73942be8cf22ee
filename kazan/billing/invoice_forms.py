"""Forms of the invoice pages: the business's billing details, and the staff's credit note and
tax rate forms. They parse; the services validate (VAT id, country, amounts) and say why."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.tenancy.forms import country_choices


class BillingProfileForm(forms.Form):
    legal_name = forms.CharField(label=_("Legal name"), max_length=140)
    address_line1 = forms.CharField(label=_("Address"), max_length=140)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=140, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=80)
    country = forms.ChoiceField(label=_("Country"), choices=())
    vat_id = forms.CharField(
        label=_("VAT id"),
        max_length=40,
        required=False,
        help_text=_(
            "Businesses in another EU country with a valid VAT id are invoiced without VAT "
            "(reverse charge). We check its format, not the VIES register."
        ),
    )
    email = forms.EmailField(
        label=_("Invoice email"),
        required=False,
        help_text=_("Invoices are sent here; left empty, they go to the owners."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()


class CreditNoteForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to credit"),
        min_value=0,
        decimal_places=2,
        max_digits=12,
        required=False,
        help_text=_("Including VAT. Leave empty to credit all that is left."),
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
    refund = forms.BooleanField(
        label=_("Refund the payment"),
        required=False,
        help_text=_(
            "Card and Razorpay payments are refunded through the provider; a bank transfer is "
            "paid back by you, and the credit note records it."
        ),
    )


class TaxRateForm(forms.Form):
    country = forms.CharField(label=_("Country code"), max_length=2, min_length=2)
    rate = forms.DecimalField(
        label=_("Rate (%)"),
        min_value=Decimal(0),
        max_value=Decimal("99.99"),
        decimal_places=2,
        max_digits=5,
    )
    name = forms.CharField(label=_("Name"), max_length=40, initial="VAT")

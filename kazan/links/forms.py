"""The forms of the secure-link pages: registration and "my data". They check shape and give
per-field messages; the customers' services normalize and store (and check again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from kazan.customers.addresses import ADDRESS_FIELDS, ADDRESS_MAX, country_valid

# What a phone's keyboard and autofill need to fill the form in one tap.
AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "name": "name",
    "email": "email",
    "street": "address-line1",
    "apartment": "address-line2",
    "city": "address-level2",
    "state": "address-level1",
    "postal_code": "postal-code",
    "country": "country",
    "language": "language",
}


def country_choices() -> list[tuple[str, str]]:
    """Every ISO 3166 country, named in the active language, alphabetically."""
    import pycountry

    from kazan.tenancy.forms import country_name

    named = [
        (country.alpha_2, country_name(country.alpha_2) or country.name)
        for country in pycountry.countries
    ]
    return [("", "—"), *sorted(named, key=lambda pair: pair[1].casefold())]


class _AddressMixin(forms.Form):
    street = forms.CharField(
        label=_("Street and number"), max_length=ADDRESS_MAX["street"], required=False
    )
    apartment = forms.CharField(
        label=_("Apartment, floor (optional)"), max_length=ADDRESS_MAX["apartment"], required=False
    )
    city = forms.CharField(label=_("City"), max_length=ADDRESS_MAX["city"], required=False)
    state = forms.CharField(
        label=_("State or region (optional)"), max_length=ADDRESS_MAX["state"], required=False
    )
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=ADDRESS_MAX["postal_code"], required=False
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)

    address_required = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]
        for name, field in self.fields.items():
            if name in AUTOCOMPLETE:
                field.widget.attrs["autocomplete"] = AUTOCOMPLETE[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        address = {field: (data.get(field) or "").strip() for field in ADDRESS_FIELDS}
        if self.address_required or any(address.values()):
            for field in ("street", "city", "postal_code", "country"):
                if not address[field] and field not in self.errors:
                    self.add_error(field, _("This field is required."))
        if address["country"] and not country_valid(address["country"]):
            self.add_error("country", _("Choose a country from the list."))
        data["address"] = address
        return data


class RegistrationForm(_AddressMixin):
    first_name = forms.CharField(label=_("First name"), max_length=60)
    last_name = forms.CharField(label=_("Surname"), max_length=60)
    email = forms.EmailField(label=_("Email"), max_length=254)
    data_processing = forms.BooleanField(
        required=True,
        error_messages={"required": _("Please agree to the processing of your data.")},
    )
    marketing = forms.BooleanField(required=False)

    field_order = [
        "first_name",
        "last_name",
        "email",
        "street",
        "apartment",
        "postal_code",
        "city",
        "state",
        "country",
        "language",
        "data_processing",
        "marketing",
    ]

    def __init__(self, *args: Any, data_processing_label: str, marketing_label: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["data_processing"].label = data_processing_label
        if marketing_label:
            self.fields["marketing"].label = marketing_label
        else:
            del self.fields["marketing"]

    def full_name(self) -> str:
        return f"{self.cleaned_data['first_name'].strip()} {self.cleaned_data['last_name'].strip()}"


class MyDataForm(_AddressMixin):
    name = forms.CharField(label=_("First name and surname"), max_length=120)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)

    address_required = False
    field_order = [
        "name",
        "email",
        "street",
        "apartment",
        "postal_code",
        "city",
        "state",
        "country",
        "language",
    ]

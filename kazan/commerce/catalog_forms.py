"""Dashboard forms of the catalog pages: parse and check shapes (prices typed in units,
converted to minor units of the currency); the rules live in the services."""

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.commerce.models import Offer, ProductKind
from kazan.core.money import minor_digits


def _price_field(label: Any, *, required: bool = True, help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        localize=True,
    )


def _choices(field: forms.Field, choices: list[Any]) -> None:
    cast(forms.ChoiceField, field).choices = choices


def _minor(value: Decimal | None, currency: str) -> int | None:
    if value is None:
        return None
    return int(value.scaleb(minor_digits(currency)).to_integral_value())


def _units(minor: int | None, currency: str) -> Decimal | None:
    return None if minor is None else Decimal(minor).scaleb(-minor_digits(currency))


def _local(value: dt.datetime | None, zone: str) -> dt.datetime | None:
    """The wall-clock time typed, in the business's time zone."""
    if value is None:
        return None
    return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone or "UTC"))


def _pairs(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        if "=" not in line:
            raise forms.ValidationError(_("Write one name=value per line."))
        key, value = line.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _pairs_text(values: dict[str, Any]) -> str:
    return "\n".join(f"{k}={v}" for k, v in (values or {}).items())


class _DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class ProductForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ProductKind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea({"rows": 5})
    )
    category_id = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    price = _price_field(_("Price"))
    currency = forms.CharField(label=_("Currency"), max_length=3, min_length=3, initial="EUR")
    stock = forms.IntegerField(
        label=_("Stock"),
        required=False,
        min_value=0,
        max_value=10**9,
        help_text=_("Leave empty when you do not count it (services, made to order)."),
    )
    active = forms.BooleanField(label=_("Active (customers can see and buy it)"), required=False)
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    retailer_id = forms.CharField(
        label=_("Retailer id"),
        max_length=100,
        required=False,
        help_text=_("The product's content id in your WhatsApp (Meta) catalog."),
    )
    attributes = forms.CharField(
        label=_("Attributes"),
        required=False,
        widget=forms.Textarea({"rows": 3}),
        help_text=_("One per line: name=value, such as origin=Bronte."),
    )
    duration_minutes = forms.IntegerField(
        label=_("Duration (minutes, services)"), required=False, min_value=1, max_value=100_000
    )
    starts_at = forms.DateTimeField(
        label=_("Starts (events)"), required=False, widget=_DateTimeInput()
    )
    ends_at = forms.DateTimeField(label=_("Ends (events)"), required=False, widget=_DateTimeInput())

    def __init__(self, *args: Any, categories: list[tuple[int, str]], zone: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.zone = zone
        _choices(self.fields["category_id"], [("", _("No category")), *categories])

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).upper()

    def clean_attributes(self) -> dict[str, str]:
        return _pairs(self.cleaned_data["attributes"])

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "description": data["description"],
            "category_id": data["category_id"],
            "price_minor": _minor(data["price"], data["currency"]),
            "currency": data["currency"],
            "stock": data["stock"],
            "active": data["active"],
            "sku": data["sku"],
            "retailer_id": data["retailer_id"],
            "attributes": data["attributes"],
            "duration_minutes": data["duration_minutes"],
            "starts_at": _local(data["starts_at"], self.zone),
            "ends_at": _local(data["ends_at"], self.zone),
        }

    @staticmethod
    def initial_of(product: Any, zone: str) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(zone or "UTC")
        return {
            "kind": product.kind,
            "name": product.name,
            "description": product.description,
            "category_id": product.category_id,
            "price": _units(product.price_minor, product.currency),
            "currency": product.currency,
            "stock": product.stock,
            "active": product.active,
            "sku": product.sku,
            "retailer_id": product.retailer_id,
            "attributes": _pairs_text(product.attributes),
            "duration_minutes": product.duration_minutes,
            "starts_at": product.starts_at.astimezone(tz).replace(tzinfo=None)
            if product.starts_at
            else None,
            "ends_at": product.ends_at.astimezone(tz).replace(tzinfo=None)
            if product.ends_at
            else None,
        }


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *ProductKind.choices]
    )
    active = forms.TypedChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))],
        coerce=lambda v: v == "1",
        empty_value=None,
    )

    def __init__(self, *args: Any, categories: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self.fields["category"], [("", _("All categories")), *categories])

    def query_kwargs(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "text": data["q"] or "",
            "category_id": data["category"],
            "kind": data["kind"] or None,
            "active": data["active"],
        }


class VariantForm(forms.Form):
    name = forms.CharField(label=_("Variant"), max_length=120)
    options = forms.CharField(
        label=_("Options"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
        help_text=_("One per line: size=M, colour=red."),
    )
    price = _price_field(_("Price"), required=False, help_text=_("Empty: the product's."))
    stock = forms.IntegerField(
        label=_("Stock"),
        required=False,
        min_value=0,
        max_value=10**9,
        help_text=_("Empty: the product's."),
    )
    sku = forms.CharField(label=_("SKU"), max_length=64, required=False)
    retailer_id = forms.CharField(label=_("Retailer id"), max_length=100, required=False)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, currency: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_options(self) -> dict[str, str]:
        return _pairs(self.cleaned_data["options"])

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "options": data["options"],
            "price_minor": _minor(data["price"], self.currency),
            "stock": data["stock"],
            "sku": data["sku"],
            "retailer_id": data["retailer_id"],
            "active": data["active"],
        }

    @staticmethod
    def initial_of(variant: Any, currency: str) -> dict[str, Any]:
        return {
            "name": variant.name,
            "options": _pairs_text(variant.options),
            "price": _units(variant.price_minor, currency),
            "stock": variant.stock,
            "sku": variant.sku,
            "retailer_id": variant.retailer_id,
            "active": variant.active,
        }


class MediaForm(forms.Form):
    image = forms.FileField(
        label=_("Image"), required=False, help_text=_("PNG, JPEG or WebP, at most 5 MB.")
    )
    url = forms.URLField(
        label=_("Or its address"), required=False, max_length=500, assume_scheme="https"
    )
    alt = forms.CharField(label=_("Description"), required=False, max_length=200)


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    parent_id = forms.TypedChoiceField(
        label=_("Under"), required=False, coerce=int, empty_value=None
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=2000, widget=forms.Textarea({"rows": 2})
    )
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=100_000, initial=0)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, roots: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self.fields["parent_id"], [("", _("Top level")), *roots])


class OfferForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Offer.Kind.choices)
    value = _price_field(
        _("Value"), help_text=_("A percentage (1 to 100), or the amount off each unit.")
    )
    starts_at = forms.DateTimeField(label=_("From"), required=False, widget=_DateTimeInput())
    ends_at = forms.DateTimeField(label=_("Until"), required=False, widget=_DateTimeInput())
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    product_ids = forms.TypedMultipleChoiceField(
        label=_("Products"), required=False, coerce=int, widget=forms.SelectMultiple({"size": 8})
    )
    category_ids = forms.TypedMultipleChoiceField(
        label=_("Categories"),
        required=False,
        coerce=int,
        help_text=_("Choose neither products nor categories for the whole catalog."),
        widget=forms.SelectMultiple({"size": 6}),
    )

    def __init__(
        self,
        *args: Any,
        products: list[tuple[int, str]],
        categories: list[tuple[int, str]],
        zone: str,
        currency: str,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.zone, self.currency = zone, currency
        _choices(self.fields["product_ids"], products)
        _choices(self.fields["category_ids"], categories)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        value, kind = data.get("value"), data.get("kind")
        if value is not None and kind == Offer.Kind.PERCENT and value != value.to_integral_value():
            self.add_error("value", _("A percentage is a whole number."))
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        value = data["value"]
        amount = int(value) if data["kind"] == Offer.Kind.PERCENT else _minor(value, self.currency)
        return {
            "name": data["name"],
            "kind": data["kind"],
            "value": amount,
            "starts_at": _local(data["starts_at"], self.zone),
            "ends_at": _local(data["ends_at"], self.zone),
            "active": data["active"],
            "product_ids": data["product_ids"],
            "category_ids": data["category_ids"],
        }

    @staticmethod
    def initial_of(offer: Offer, zone: str, currency: str) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(zone or "UTC")
        value = (
            Decimal(offer.value)
            if offer.kind == Offer.Kind.PERCENT
            else _units(offer.value, currency)
        )
        return {
            "name": offer.name,
            "kind": offer.kind,
            "value": value,
            "starts_at": offer.starts_at.astimezone(tz).replace(tzinfo=None)
            if offer.starts_at
            else None,
            "ends_at": offer.ends_at.astimezone(tz).replace(tzinfo=None) if offer.ends_at else None,
            "active": offer.active,
            "product_ids": [p.pk for p in offer.products.all()],
            "category_ids": [c.pk for c in offer.categories.all()],
        }


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV or Excel file"),
        help_text=_(
            "First row: the column names. Required: name, price. Optional: sku, kind, category "
            "(Category > Subcategory), description, currency, stock, active, retailer_id, "
            "attributes (key=value; key=value), image_url, starts_at, ends_at, "
            "duration_minutes, variant, variant_price, variant_stock, variant_sku, "
            "variant_retailer_id."
        ),
    )

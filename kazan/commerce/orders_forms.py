"""Forms of the order pages: the list's filters, a status change, a note, a bulk change."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.commerce.models import OrderStatus, PaymentMethod
from kazan.core.forms import FILTER_DATE_VALIDATORS


class OrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer or number"), required=False, max_length=254)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *OrderStatus.choices]
    )
    payment_method = forms.ChoiceField(
        label=_("Payment"),
        required=False,
        # Token orders have their own pages (the queue).
        choices=[("", _("Any")), *[c for c in PaymentMethod.choices if c[0] != "tokens"]],
    )
    since = forms.DateField(
        label=_("Placed from"), required=False, validators=FILTER_DATE_VALIDATORS
    )
    until = forms.DateField(
        label=_("Placed until"), required=False, validators=FILTER_DATE_VALIDATORS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Name, exact phone or email, or #number")

    def export_filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "status": data.get("status") or "",
            "payment_method": data.get("payment_method") or "",
            "since": data["since"].isoformat() if data.get("since") else None,
            "until": data["until"].isoformat() if data.get("until") else None,
        }


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=OrderStatus.choices)
    tracking_code = forms.CharField(label=_("Tracking code"), required=False, max_length=120)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ChosenOrders:
    """The order ids a list's bulk form ticked (its `orders` checkboxes)."""

    data: Any

    def order_ids(self) -> list[int]:
        """The ticked orders' ids (anything else ignored; the service keeps only the
        business's own)."""
        raw = self.data.getlist("orders") if hasattr(self.data, "getlist") else []
        return [
            int(value)
            for value in raw[:500]
            if str(value).isascii() and str(value).isdigit() and len(str(value)) < 12
        ]


class BulkStatusForm(ChosenOrders, forms.Form):
    status = forms.ChoiceField(label=_("Change the chosen orders to"), choices=OrderStatus.choices)

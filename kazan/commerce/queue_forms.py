"""Forms of the queue pages: the list's filters, the row actions (status, assign, move, note,
cancel), the bulk actions and the packages settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.commerce.models import OrderStatus
from kazan.commerce.orders_forms import ChosenOrders
from kazan.commerce.queries.queue import token_status_label
from kazan.commerce.queries.token_stats import TOKEN_STATUSES
from kazan.commerce.services.packages import NAME_MAX, SITES_MAX, TOKENS_MAX
from kazan.core.forms import FILTER_DATE_VALIDATORS


def token_status_choices() -> list[tuple[str, str]]:
    return [(status, token_status_label(status)) for status in TOKEN_STATUSES]


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Customer, profile or number"), required=False, max_length=254)
    status = forms.ChoiceField(label=_("Status"), required=False)
    operator = forms.ChoiceField(label=_("Operator"), required=False)
    lane = forms.ChoiceField(
        label=_("Lane"),
        required=False,
        choices=[("", _("Both")), ("priority", _("Priority")), ("regular", _("Regular"))],
    )
    since = forms.DateField(
        label=_("Placed from"), required=False, validators=FILTER_DATE_VALIDATORS
    )
    until = forms.DateField(
        label=_("Placed until"), required=False, validators=FILTER_DATE_VALIDATORS
    )

    def __init__(self, *args: Any, operators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", _("Open (not finished)")),
            ("all", _("All")),
            *token_status_choices(),
        ]
        self.fields["operator"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            ("none", _("Nobody yet")),
            *[(str(pk), name) for pk, name in operators],
        ]
        self.fields["q"].widget.attrs["placeholder"] = _("Name, exact phone or email, or #number")

    def operator_id(self) -> int | None:
        value = self.cleaned_data.get("operator") or ""
        return int(value) if value.isdigit() else None


class TokenStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"))
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = token_status_choices()  # type: ignore[attr-defined]


class AssignForm(forms.Form):
    operator = forms.TypedChoiceField(label=_("Operator"), coerce=int)

    def __init__(self, *args: Any, operators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["operator"].choices = [(pk, name) for pk, name in operators]  # type: ignore[attr-defined]


class MoveForm(forms.Form):
    position = forms.IntegerField(label=_("New position"), min_value=1, max_value=1_000_000)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class BulkForm(ChosenOrders, forms.Form):
    ACTIONS = (
        ("assign", _("Assign to")),
        ("status", _("Change the status to")),
        ("cancel", _("Cancel and refund")),
        ("export", _("Export as CSV")),
    )
    action = forms.ChoiceField(label=_("With the chosen orders"), choices=ACTIONS)
    status = forms.ChoiceField(label=_("Status"), required=False)
    operator = forms.TypedChoiceField(
        label=_("Operator"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, operators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "—"), *token_status_choices()]  # type: ignore[attr-defined]
        self.fields["operator"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *[(pk, name) for pk, name in operators],
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "assign" and not data.get("operator"):
            self.add_error("operator", _("Choose the operator."))
        if data.get("action") == "status" and data.get("status") not in OrderStatus.values:
            self.add_error("status", _("Choose the status."))
        return data


class PackageForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    sites = forms.IntegerField(label=_("Sites"), min_value=1, max_value=SITES_MAX)
    price_tokens = forms.IntegerField(label=_("Price"), min_value=1, max_value=TOKENS_MAX)
    subscriber_price_tokens = forms.IntegerField(
        label=_("Subscriber price"), min_value=1, max_value=TOKENS_MAX
    )
    active = forms.BooleanField(label=_("Offered"), required=False, initial=True)


class AddonForm(forms.Form):
    email_addon_tokens = forms.IntegerField(
        label=_("Email confirmation"), min_value=0, max_value=TOKENS_MAX
    )
    email_addon_subscriber_tokens = forms.IntegerField(
        label=_("Email confirmation for subscribers"), min_value=0, max_value=TOKENS_MAX
    )

"""The filters of the console's billing lists (decision 0038); the plan forms are billing's
(kazan.billing.plan_forms)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kazan.billing.plan_forms import (
    ALL,
    KIND_CHOICES,
    PAYMENT_METHOD_LABELS,
    STATUS_CHOICES,
    plan_choices,
)
from kazan.billing.queries.staff_billing import StaffFilters
from kazan.console.forms import PickerDateField

GATEWAY_CHOICES = [*ALL, *PAYMENT_METHOD_LABELS.items()]


class BillingFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=ALL)
    gateway = forms.ChoiceField(label=_("Payment method"), required=False, choices=GATEWAY_CHOICES)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=KIND_CHOICES)
    plan = forms.ChoiceField(label=_("Plan"), required=False, choices=ALL)
    business = forms.CharField(label=_("Business"), required=False, max_length=120)
    since = PickerDateField(label=_("From"))
    until = PickerDateField(label=_("Until"))

    def __init__(self, *args, tab: str, **kwargs):
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = STATUS_CHOICES.get(tab, ALL)
        plan = self.fields["plan"]
        assert isinstance(plan, forms.ChoiceField)
        plan.choices = plan_choices()

    def filters(self) -> StaffFilters:
        """The valid filters (an invalid form filters nothing: the page shows its errors)."""
        if not self.is_valid():
            return StaffFilters()
        data = self.cleaned_data
        return StaffFilters(
            status=data["status"],
            gateway=data["gateway"],
            business=data["business"],
            since=data["since"],
            until=data["until"],
            kind=data["kind"],
            plan=data["plan"],
        )

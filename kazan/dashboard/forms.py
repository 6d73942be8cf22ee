import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.tenancy.queries import team_members


class ActivityFilterForm(forms.Form):
    action = forms.CharField(label=_("Type"), required=False, max_length=64)
    actor = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)
    since = forms.DateField(label=_("From"), required=False, validators=FILTER_DATE_VALIDATORS)
    until = forms.DateField(label=_("Until"), required=False, validators=FILTER_DATE_VALIDATORS)

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business
        members = team_members(business=business)
        self.fields["actor"].choices = [("", _("Everybody"))] + [
            (m.user_id, str(m.user)) for m in members
        ]

    def clean(self):
        data = super().clean()
        tz = timezone.get_current_timezone()
        if data.get("since"):
            data["since_dt"] = dt.datetime.combine(data["since"], dt.time.min, tzinfo=tz)
        if data.get("until"):
            data["until_dt"] = dt.datetime.combine(
                data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz
            )
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

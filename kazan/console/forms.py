import datetime as dt
import re
from decimal import Decimal
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kazan.activity.registry import activity_type_choices
from kazan.billing.services.limits import OVERRIDE_MAX
from kazan.console.models import Alert
from kazan.console.queries import business_pick
from kazan.core.entitlements import Capability, Limit, Quota
from kazan.core.formatting import number_local
from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.core.money import minor_digits
from kazan.tenancy.forms import country_choices, timezone_choices
from kazan.tenancy.models import Business

STATUS_FILTER_CHOICES = [
    ("", _("All")),
    (Business.Status.ACTIVE, _("Active")),
    ("inactive", _("Inactive (no QR scans)")),
    (Business.Status.SUSPENDED, _("Suspended")),
]
ACTOR_KIND_CHOICES = [
    ("", _("Everybody")),
    ("user", _("Business team")),
    ("staff", _("Platform staff")),
    ("system", _("System")),
    ("customer", _("Customers")),
]


class BusinessSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTER_CHOICES)


class BusinessCreateForm(forms.Form):
    """Onboarding: the business's address and profile, and who becomes its owner."""

    name = forms.CharField(label=_("Name"), max_length=120)
    slug = forms.SlugField(
        label=_("Address"),
        max_length=50,
        help_text=_("The QR landing page's address: 3–50 lowercase letters, digits and hyphens."),
    )
    owner_email = forms.EmailField(
        label=_("Owner's email"),
        max_length=254,
        help_text=_("Gets an invitation to become the owner (or is added at once if known)."),
    )
    country = forms.ChoiceField(label=_("Country"), initial="DE")
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES, initial="en")
    timezone = forms.ChoiceField(label=_("Time zone"), initial="Europe/Berlin")
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        initial="EUR",
        error_messages={"invalid": _("Use a three-letter currency code like EUR.")},
    )
    address = forms.CharField(label=_("Street address"), max_length=250, required=False)
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, decimal_places=6
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()
        self.fields["timezone"].choices = timezone_choices()

    def clean(self):
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise forms.ValidationError(_("Give both latitude and longitude, or neither."))
        return data

    def profile(self) -> dict:
        data = self.cleaned_data
        profile = {
            key: data[key] for key in ("country", "language", "timezone", "address") if data[key]
        }
        profile["currency"] = data["currency"].upper()
        if data.get("latitude") is not None:
            profile["latitude"], profile["longitude"] = data["latitude"], data["longitude"]
        return profile


class ReasonField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("min_length", 3)
        kwargs.setdefault("help_text", _("Kept in the internal log."))
        super().__init__(**kwargs)


class TermsForm(forms.Form):
    """The business's monthly terms; the price is typed in major units of its currency (9.50 €,
    950 ¥) and handed to billing in minor units."""

    sms_allowance = forms.IntegerField(label=_("SMS per month"), min_value=0, max_value=1_000_000)
    price = forms.DecimalField(
        label=_("Monthly price"), min_value=Decimal(0), max_value=Decimal(1_000_000)
    )
    reason = ReasonField()

    def __init__(self, *args, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.digits = minor_digits(currency)
        price = self.fields["price"]
        assert isinstance(price, forms.DecimalField)
        price.decimal_places = self.digits

    @classmethod
    def for_terms(cls, *, sms_allowance: int, price_minor: int, currency: str) -> "TermsForm":
        price = Decimal(price_minor).scaleb(-minor_digits(currency))
        return cls(initial={"sms_allowance": sms_allowance, "price": price}, currency=currency)

    def price_minor(self) -> int:
        return int(self.cleaned_data["price"].scaleb(self.digits))


class CreditsForm(forms.Form):
    # The credit ledger keeps notes of up to 200 characters.
    amount = forms.IntegerField(
        label=_("Credits"),
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text=_("Positive adds credits, negative removes them."),
    )
    reason = ReasonField(max_length=200)

    def clean_amount(self) -> int:
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError(_("Enter a number other than zero."))
        return amount


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=Business.Status.choices)
    reason = ReasonField()


class BankDetailsForm(forms.Form):
    """The platform's account for manual payments; billing validates the IBAN and BIC."""

    recipient = forms.CharField(label=_("Account holder"), max_length=140)
    iban = forms.CharField(label=_("IBAN"), max_length=64, help_text=_("Spaces are fine."))
    bic = forms.CharField(label=_("BIC"), max_length=32)
    bank_name = forms.CharField(label=_("Bank"), max_length=140)
    address = forms.CharField(
        label=_("Address"),
        max_length=250,
        required=False,
        help_text=_("Optional: the account holder's address, printed on pro-forma invoices."),
    )


class AlertSettingsForm(forms.Form):
    inactive_after_days = forms.IntegerField(
        label=_("Alert when a business has had no QR scan for (days)"), min_value=1, max_value=365
    )


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All"))],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Alert.Kind.choices]
    )


ACTION_PREFIX_RE = re.compile(r"^[a-z0-9_]+\.?$")


class ActivityTypeField(forms.ChoiceField):
    """A registered activity type, shown by its translated name; a type's group ("customer",
    "export.") is accepted too, for links that ask for every step of one kind."""

    def __init__(self, **kwargs):
        super().__init__(choices=self._choices, **kwargs)

    @staticmethod
    def _choices() -> list[tuple[str, str | Promise]]:
        return [("", _("All types")), *activity_type_choices()]

    def keep(self, value) -> None:
        """Lists a group asked for by a link (`?action=customer`), so the select keeps it."""
        value = str(value or "")
        choices = list(self.widget.choices)
        if value and value not in dict(choices) and self.valid_value(value):
            label = _("Every type starting with “%(prefix)s”") % {"prefix": value}
            self.choices = [*choices, (value, label)]

    def valid_value(self, value) -> bool:
        if super().valid_value(value):
            return True
        prefix = str(value)
        return bool(ACTION_PREFIX_RE.match(prefix)) and any(
            action.startswith(prefix) for action, _label in activity_type_choices()
        )


class PickerDateField(forms.DateField):
    """A date picker (<input type="date">, which sends ISO days); typed by hand (an old
    browser, a link) the active language's formats are read too, 05.12.2026 in German."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("validators", FILTER_DATE_VALIDATORS)
        super().__init__(**kwargs)

    def bound_data(self, data, initial):
        """The day understood, so the picker shows a hand-typed date again (as ISO)."""
        try:
            return self.to_python(data) or data
        except forms.ValidationError:
            return data


class ActivityFilterForm(forms.Form):
    business = forms.CharField(
        label=_("Business"),
        required=False,
        max_length=120,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name or address"),
                "list": "business-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("console:business_options"),
                "hx-trigger": "input changed delay:250ms, focus once",
                "hx-target": "#business-options",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
                "data-business-picker": "",
            }
        ),
    )
    actor = forms.EmailField(label=_("Who (email)"), required=False, max_length=254)
    actor_kind = forms.ChoiceField(
        label=_("Kind of actor"), required=False, choices=ACTOR_KIND_CHOICES
    )
    action = ActivityTypeField(label=_("Type"), required=False)
    since = PickerDateField(label=_("From"))
    until = PickerDateField(label=_("Until"))
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.business_obj: Business | None = None
        self.fields["action"].keep(self.data.get("action"))

    def clean_business(self) -> str:
        value = " ".join((self.cleaned_data.get("business") or "").split())
        if not value:
            return ""
        self.business_obj, matches = business_pick(value)
        if self.business_obj is None:
            if matches:
                raise forms.ValidationError(
                    _("%(count)s businesses match “%(value)s”: pick one from the list."),
                    params={"count": matches, "value": value},
                )
            raise forms.ValidationError(
                _("No business has a name or address like “%(value)s”."), params={"value": value}
            )
        return self.business_obj.slug

    def clean(self):
        data = super().clean()
        tz = timezone.get_current_timezone()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date must be before the end date."))
        data["since_dt"] = (
            dt.datetime.combine(data["since"], dt.time.min, tzinfo=tz)
            if data.get("since")
            else None
        )
        data["until_dt"] = (
            dt.datetime.combine(data["until"] + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            if data.get("until")
            else None
        )
        return data

    def export_query(self) -> str:
        """The valid filters as the exports page reads them (business by address, ISO days)."""
        data = self.cleaned_data
        query = {
            "business": data.get("business") or "",
            "actor": data.get("actor") or "",
            "actor_kind": data.get("actor_kind") or "",
            "action": data.get("action") or "",
            "since": data["since"].isoformat() if data.get("since") else "",
            "until": data["until"].isoformat() if data.get("until") else "",
        }
        return urlencode({key: value for key, value in query.items() if value})


class PlanLimitsForm(forms.Form):
    """Staff's custom limits for one business, over its plan's: a count left empty follows the
    plan, "unlimited" lifts it; a capability is the plan's, yes or no."""

    COUNTS = (*Limit, *Quota, "analytics_days")
    CAPABILITIES = tuple(Capability)
    YES_NO = {"yes": True, "no": False}

    unlimited = forms.MultipleChoiceField(
        label=_("Unlimited"), required=False, widget=forms.CheckboxSelectMultiple
    )
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, data=None, *, labels: dict[str, str], plan: dict, overrides: dict):
        super().__init__(data)
        fields: dict[str, forms.Field] = {}
        for key in self.COUNTS:
            value = plan.get(key)
            fields[key] = forms.IntegerField(
                label=labels[key],
                required=False,
                # 0 days of analytics would delete all of its history.
                min_value=1 if key == "analytics_days" else 0,
                max_value=OVERRIDE_MAX,
                initial=overrides.get(key),
                help_text=_("Empty: the plan's (%(value)s).")
                % {"value": _("unlimited") if value is None else number_local(value)},
            )
        for key in self.CAPABILITIES:
            chosen = overrides.get(key)
            initial = "" if chosen is None else "yes" if chosen else "no"
            fields[key] = forms.ChoiceField(
                label=labels[key],
                required=False,
                initial=initial,
                choices=[
                    (
                        "",
                        _("As the plan (%(value)s)")
                        % {"value": _("yes") if plan.get(key) else _("no")},
                    ),
                    ("yes", _("Yes")),
                    ("no", _("No")),
                ],
            )
        self.fields = {**fields, **self.fields}
        unlimited = self.fields["unlimited"]
        assert isinstance(unlimited, forms.MultipleChoiceField)
        unlimited.choices = [(key, labels[key]) for key in self.COUNTS]
        self.fields["unlimited"].initial = [
            key for key in self.COUNTS if key in overrides and overrides[key] is None
        ]

    def overrides(self) -> dict[str, int | bool | None]:
        data = self.cleaned_data
        chosen: dict[str, int | bool | None] = {
            key: data[key] for key in self.COUNTS if data.get(key) is not None
        }
        chosen.update(dict.fromkeys(data.get("unlimited") or ()))
        chosen.update({key: self.YES_NO[data[key]] for key in self.CAPABILITIES if data.get(key)})
        return chosen

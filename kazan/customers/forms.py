"""Forms of the customer pages. Field rules come from the same normalizers the services use, so a
form error and a service error always say the same thing."""

import datetime as dt
import unicodedata

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kazan.core.errors import ValidationFailed
from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.customers.emails import email_normalize
from kazan.customers.models import Tag
from kazan.customers.normalize import (
    NAME_MAX_LENGTH,
    TAG_MAX_LENGTH,
    name_normalize,
    tags_normalize,
)
from kazan.customers.queries import tags_for_business

# The word a member types to confirm an erasure. Translators pick a short word in their language;
# comparison ignores case and accents (see _fold), so "sil" matches a Turkish "SİL".
ERASE_WORD = _("ERASE")


def _fold(text: str | Promise) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text).strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _field_error(exc: ValidationFailed) -> forms.ValidationError:
    return forms.ValidationError(str(exc.message), code=exc.code)


class CustomerFilterForm(forms.Form):
    CONSENT_CHOICES = [("", _("Any")), ("yes", _("Consenting")), ("no", _("Not consenting"))]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    consent = forms.ChoiceField(label=_("SMS offers"), required=False, choices=CONSENT_CHOICES)
    tag: forms.ModelChoiceField[Tag] = forms.ModelChoiceField(
        label=_("Tag"), required=False, queryset=None, empty_label=_("All tags")
    )
    RATING_CHOICES = [
        ("", _("Any rating")),
        ("5", _("★★★★★ only")),
        ("4", _("★★★★ or more")),
        ("3", _("★★★ or more")),
        ("2", _("★★ or more")),
        ("1", _("★ or more")),
    ]
    REVIEWED_CHOICES = [("", _("Any")), ("yes", _("Reviewed")), ("no", _("Not reviewed"))]
    VOUCHER_CHOICES = [
        ("", _("Any")),
        ("open", _("Has an unused voucher")),
        ("redeemed", _("Redeemed a voucher")),
        ("none", _("No voucher")),
    ]

    rating = forms.TypedChoiceField(
        label=_("Rating"), required=False, choices=RATING_CHOICES, coerce=int, empty_value=None
    )
    reviewed = forms.ChoiceField(label=_("Review"), required=False, choices=REVIEWED_CHOICES)
    voucher = forms.ChoiceField(label=_("Voucher"), required=False, choices=VOUCHER_CHOICES)
    since = forms.DateField(
        label=_("Last visit from"), required=False, validators=FILTER_DATE_VALIDATORS
    )
    until = forms.DateField(
        label=_("Last visit until"), required=False, validators=FILTER_DATE_VALIDATORS
    )

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags_for_business(business=business)
        self.fields["q"].widget.attrs["placeholder"] = _(
            "Name, email, phone number or its last digits"
        )
        self.fields["q"].widget.input_type = "search"

    def clean(self):
        data = super().clean()
        tz = timezone.get_current_timezone()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date must be before the end date."))
        data["since_dt"] = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
        data["until_dt"] = (
            dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            if until
            else None
        )
        data["consent_bool"] = {"yes": True, "no": False}.get(data.get("consent") or "")
        return data

    def filters(self) -> dict:
        """Keyword arguments for queries.customer_list; no filters while the form is invalid."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "consent": data["consent_bool"],
            "tag": data["tag"].pk if data.get("tag") else None,
            "since": data["since_dt"],
            "until": data["until_dt"],
            "min_rating": data.get("rating"),
            "reviewed": {"yes": True, "no": False}.get(data.get("reviewed") or ""),
            "voucher": data.get("voucher") or None,
        }

    def export_filters(self) -> dict:
        """The same filters for a customer-list export (plain JSON; analytics validates them)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "name": data.get("q") or "",
            "consent": data.get("consent") or "",
            "tag": data["tag"].pk if data.get("tag") else None,
            "rating": data.get("rating"),
            "reviewed": data.get("reviewed") or "",
            "voucher": data.get("voucher") or "",
            "since": data["since"].isoformat() if data.get("since") else None,
            "until": data["until"].isoformat() if data.get("until") else None,
        }


class CustomerFilterExportForm(forms.Form):
    """A team's request for its customer list as a file, with the list's current filters."""

    format = forms.ChoiceField(
        label=_("File format"), choices=[("csv", "CSV"), ("xlsx", _("Excel (.xlsx)"))]
    )
    query = forms.CharField(required=False, max_length=2000)


class CustomerForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=NAME_MAX_LENGTH)
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Not known")), *list(settings.LANGUAGES)],
    )
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=1000,
        help_text=_("Separate tags with commas, for example: regular, vegan"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.input_type = "email"

    @classmethod
    def for_customer(cls, customer) -> "CustomerForm":
        return cls(
            initial={
                "name": customer.name,
                "language": customer.language,
                "email": customer.email,
                "tags": ", ".join(tag.name for tag in customer.tags.all()),
            }
        )

    def clean_name(self) -> str:
        try:
            return name_normalize(self.cleaned_data["name"])
        except ValidationFailed as exc:
            raise _field_error(exc) from None

    def clean_email(self) -> str:
        try:
            return email_normalize(self.cleaned_data["email"])
        except ValidationFailed as exc:
            raise _field_error(exc) from None

    def clean_tags(self) -> list[str]:
        try:
            return tags_normalize(self.cleaned_data["tags"].split(","))
        except ValidationFailed as exc:
            raise _field_error(exc) from None


class EraseConfirmForm(forms.Form):
    confirm = forms.CharField(label=_("Type the word to confirm"), max_length=40)

    def clean_confirm(self) -> str:
        typed = self.cleaned_data["confirm"]
        if _fold(typed) != _fold(ERASE_WORD):
            raise forms.ValidationError(
                _("Please type %(word)s to confirm the erasure.") % {"word": ERASE_WORD},
                code="confirm",
            )
        return typed


class TagForm(forms.Form):
    """Create, rename or recolor a tag."""

    name = forms.CharField(label=_("Name"), max_length=TAG_MAX_LENGTH)
    color = forms.ChoiceField(label=_("Color"), choices=Tag.Color.choices, initial=Tag.Color.GRAY)

    def clean_name(self) -> str:
        try:
            names = tags_normalize([self.cleaned_data["name"]])
        except ValidationFailed as exc:
            raise _field_error(exc) from None
        if not names:
            raise forms.ValidationError(_("Please enter a name for the tag."))
        return names[0]


class TagAssignForm(forms.Form):
    """Put a tag on customers or take it off: `tag` is one of the business's tags."""

    tag: forms.ModelChoiceField[Tag] = forms.ModelChoiceField(
        label=_("Tag"), queryset=None, empty_label=_("Choose a tag")
    )
    action = forms.ChoiceField(choices=[("add", _("Add")), ("remove", _("Remove"))])
    customer = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tag"].queryset = tags_for_business(business=business)
        # Any well-formed id is accepted here; the service keeps only the business's own
        # customers. A longer "id" could not be a primary key (and would overflow SQLite).
        values = self.data.getlist("customer") if hasattr(self.data, "getlist") else []
        self.fields["customer"].choices = [
            (v, v) for v in values if str(v).isdigit() and len(str(v)) <= 18
        ]

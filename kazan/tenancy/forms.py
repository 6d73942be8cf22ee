import functools
import gettext as gettext_module
import unicodedata
import uuid
import zoneinfo

import phonenumbers
from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from phonenumbers import SUPPORTED_REGIONS
from PIL import Image

from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import CHAT_TEXT_MAX, Role, color_validator


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.AGENT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Where the key is used, e.g. “Shop website”."),
    )


# --- business settings ------------------------------------------------------------------------

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 4096
# Pillow's format name → the extension the stored file gets. No SVG: it can carry scripts.
LOGO_FORMATS = {"PNG": "png", "JPEG": "jpg", "WEBP": "webp"}


# Phone regions that are not ISO 3166 countries, so neither data set below names them.
REGION_NAMES = {
    "AC": _("Ascension Island"),
    "TA": _("Tristan da Cunha"),
    "XK": _("Kosovo"),
}


@functools.cache
def _iso_names(language: str) -> gettext_module.NullTranslations:
    """pycountry's translations of the ISO 3166 names (Debian's iso-codes)."""
    import pycountry

    return gettext_module.translation(
        "iso3166-1", pycountry.LOCALES_DIR, languages=[language], fallback=True
    )


def _iso_name(code: str, language: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return ""
    # the short everyday name ("South Korea") where ISO's is formal ("Korea, Republic of")
    return _iso_names(language).gettext(getattr(country, "common_name", None) or country.name)


def country_name(code: str, language: str | None = None) -> str:
    """The region's name in the reader's language, "" when nobody can name it.

    phonenumbers' geocoder names read best, but it knows only some languages (Turkish hardly
    at all: it answers in English); then the ISO 3166 name translated by pycountry, and for the
    three non-ISO phone regions our own translated names. (The geocoder data is large: imported
    when a settings page first needs it, not at start.)"""
    return _country_name(code, (language or get_language() or "en").split("-")[0])


@functools.lru_cache(maxsize=4096)
def _country_name(code: str, language: str) -> str:
    from phonenumbers import geocoder

    example = phonenumbers.example_number(code)
    if example is not None:
        name = geocoder.country_name_for_number(example, language)
        if name and (language == "en" or name != geocoder.country_name_for_number(example, "en")):
            return name
    if name := _iso_name(code, language):
        return name
    if code in REGION_NAMES:
        with translation.override(language):
            return str(REGION_NAMES[code])
    return ""


def _sort_key(name: str) -> str:
    """Alphabetical for people: "Ägypten" next to "Afghanistan", not after "Zypern"."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def country_choices() -> list[tuple[str, str]]:
    """Every phone region with a real name in the active language, as "Name (CODE)"; a region
    nobody can name is left out rather than shown as "XX (XX)"."""
    language = (get_language() or "en").split("-")[0]
    named = ((code, country_name(code, language)) for code in SUPPORTED_REGIONS)
    return sorted(
        ((code, f"{name} ({code})") for code, name in named if name),
        key=lambda choice: _sort_key(choice[1]),
    )


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class HttpUrlField(forms.URLField):
    """An http(s) link. Its only validator is the http(s) one: adding it next to URLField's
    default validator reported a bad link twice ("Enter a valid URL." "Enter a valid URL.")."""

    default_validators = [URLValidator(schemes=["http", "https"])]


def _http_url_field(label) -> forms.URLField:
    return HttpUrlField(label=label, required=False, max_length=200, assume_scheme="https")


class BusinessSettingsForm(forms.Form):
    """The business's own settings page. Field rules match the model and
    tenancy.services.business_update, which validates again (the form only gives nicer errors)."""

    name = forms.CharField(label=_("Business name"), max_length=120)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    country = forms.ChoiceField(label=_("Country"))
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    timezone = forms.ChoiceField(label=_("Time zone"))
    currency = forms.RegexField(
        label=_("Currency"),
        regex=r"^[A-Za-z]{3}$",
        max_length=3,
        error_messages={"invalid": _("Use a three-letter currency code like EUR.")},
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP, at most 2 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    brand_color = forms.CharField(
        label=_("Brand colour"),
        max_length=7,
        validators=[color_validator],
        widget=forms.TextInput(attrs={"type": "color"}),
    )
    website_url = _http_url_field(_("Website"))
    instagram_url = _http_url_field("Instagram")
    facebook_url = _http_url_field("Facebook")
    tiktok_url = _http_url_field("TikTok")
    google_review_url = _http_url_field(_("Google review link"))
    voucher_discount_text = forms.CharField(
        label=_("Voucher discount"),
        max_length=120,
        required=False,
        help_text=_("What the welcome voucher gives, for example “10 % off” or “a free coffee”."),
    )
    voucher_validity_days = forms.IntegerField(
        label=_("Voucher validity (days)"), min_value=1, max_value=365
    )
    allowed_countries = forms.MultipleChoiceField(
        label=_("Allowed phone countries"),
        required=False,
        help_text=_(
            "Phone numbers from these countries may sign up on your page. None chosen: only "
            "your own country."
        ),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )

    PROFILE_FIELDS = (
        "name",
        "address",
        "country",
        "language",
        "timezone",
        "currency",
        "brand_color",
        "website_url",
        "instagram_url",
        "facebook_url",
        "tiktok_url",
        "google_review_url",
        "voucher_discount_text",
        "voucher_validity_days",
        "allowed_countries",
    )

    # The chat texts, one field per offered language: greetings_de, thank_you_texts_de, …
    CHAT_TEXTS = {
        "greetings": (
            _("Greeting"),
            _("The chat's first words. Leave empty for “Welcome to <business>!” in that language."),
        ),
        "thank_you_texts": (
            _("Thank-you text"),
            _("The last words after a review. Leave empty for “Thank you, <name>! See you soon.”"),
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for attr, (label, help_text) in self.CHAT_TEXTS.items():
            for code, language_name in settings.LANGUAGES:
                self.fields[f"{attr}_{code}"] = forms.CharField(
                    label=format_lazy("{} ({})", label, language_name),
                    max_length=CHAT_TEXT_MAX,
                    required=False,
                    help_text=help_text if code == settings.LANGUAGES[0][0] else "",
                    widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
                )
        countries = country_choices()
        self.fields["country"].choices = countries
        self.fields["allowed_countries"].choices = countries
        self.fields["timezone"].choices = timezone_choices()

    @classmethod
    def for_business(cls, business) -> "BusinessSettingsForm":
        initial = {name: getattr(business, name) for name in cls.PROFILE_FIELDS}
        initial["logo"] = business.logo
        for attr in cls.CHAT_TEXTS:
            for code, _name in settings.LANGUAGES:
                initial[f"{attr}_{code}"] = business.chat_text(attr, code)
        return cls(initial=initial)

    def chat_text_fields(self) -> list[tuple[str | Promise, list[forms.BoundField]]]:
        """(heading, bound fields) per chat text, for the template's fieldset."""
        return [
            (label, [self[f"{attr}_{code}"] for code, _name in settings.LANGUAGES])
            for attr, (label, _help) in self.CHAT_TEXTS.items()
        ]

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].upper()

    def clean_logo(self):
        """Only real PNG/JPEG/WebP images up to 2 MB, stored under a random name with the
        extension of what the file is (not what it claims to be)."""
        upload = self.cleaned_data.get("logo")
        if not upload or not hasattr(upload, "size"):
            return upload  # False = "clear", None or the current file = unchanged
        if upload.size > LOGO_MAX_BYTES:
            raise forms.ValidationError(
                _("The logo is too large (%(size)s MB). The limit is 2 MB.")
                % {"size": f"{upload.size / 1024 / 1024:.1f}"},
                code=TenancyErrorCode.LOGO_TOO_LARGE,
            )
        try:
            upload.seek(0)
            with Image.open(upload) as image:
                image_format = image.format
                width, height = image.size
                image.verify()
        except Exception:  # Pillow raises many types for junk; all mean "not an image"
            raise forms.ValidationError(
                _("This file is not a PNG, JPEG or WebP image."), code=TenancyErrorCode.LOGO_INVALID
            ) from None
        if image_format not in LOGO_FORMATS:
            raise forms.ValidationError(
                _("This file is not a PNG, JPEG or WebP image."), code=TenancyErrorCode.LOGO_INVALID
            )
        if width > LOGO_MAX_SIDE or height > LOGO_MAX_SIDE:
            raise forms.ValidationError(
                _("The logo may be at most %(side)d pixels wide and high.")
                % {"side": LOGO_MAX_SIDE},
                code=TenancyErrorCode.LOGO_TOO_LARGE,
            )
        upload.seek(0)
        upload.name = f"{uuid.uuid4().hex}.{LOGO_FORMATS[image_format]}"
        return upload

    def changes(self) -> dict:
        """Keyword arguments for business_update: every profile field, plus the logo only when
        a new one was uploaded ("" when it is to be removed)."""
        data = {name: self.cleaned_data[name] for name in self.PROFILE_FIELDS}
        data["allowed_countries"] = sorted(data["allowed_countries"])
        for attr in self.CHAT_TEXTS:
            data[attr] = {
                code: text
                for code, _name in settings.LANGUAGES
                if (text := self.cleaned_data[f"{attr}_{code}"].strip())
            }
        logo = self.cleaned_data.get("logo")
        if logo is False:
            data["logo"] = ""
        elif logo is not None and hasattr(logo, "size"):
            data["logo"] = logo
        return data

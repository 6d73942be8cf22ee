"""The country lists of the settings pages: every phone region, each with a real name in the
reader's language — never "AC (AC)"."""

import re

import pytest
from django.utils import translation
from phonenumbers import SUPPORTED_REGIONS

from kazan.tenancy.forms import country_choices


@pytest.mark.parametrize("language", ["en", "de", "tr", "it", "es"])
def test_every_phone_region_has_a_real_name(language):
    with translation.override(language):
        choices = country_choices()
    assert {code for code, _label in choices} == set(SUPPORTED_REGIONS)
    nameless = [label for _code, label in choices if re.fullmatch(r"[A-Z]{2} \([A-Z]{2}\)", label)]
    assert nameless == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("de", {"DE": "Deutschland (DE)", "EH": "Westsahara (EH)", "AC": "Ascension (AC)"}),
        # phonenumbers has almost no Turkish names: they come from the ISO 3166 translations
        ("tr", {"DE": "Almanya (DE)", "KR": "Güney Kore (KR)", "XK": "Kosova (XK)"}),
        ("en", {"KR": "South Korea (KR)", "TA": "Tristan da Cunha (TA)"}),
    ],
)
def test_names_are_in_the_readers_language(language, expected):
    with translation.override(language):
        labels = dict(country_choices())
    assert {code: labels[code] for code in expected} == expected


def test_the_list_is_sorted_as_people_read_it():
    with translation.override("de"):
        codes = [code for code, _label in country_choices()]
    assert codes.index("AF") < codes.index("EG") < codes.index("AL")  # Ägypten after Afghanistan

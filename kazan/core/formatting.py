"""Numbers and dates for people, in the active language (the reader's: the dashboard member's,
the customer's in the chat) unless a caller names another one. Always through Django's locale
formats — never strftime or a hand-made separator — so "1.561", "Dezember 2026" and
"05.12.2026" follow whoever reads the page."""

import datetime as dt

from django.utils import formats, numberformat, translation


def _language(language: str | None) -> str:
    return (language or translation.get_language() or "en").split("-")[0]


def number_local(value, language: str | None = None, decimal_pos: int | None = None) -> str:
    """The number grouped and with the decimal separator of `language` (default: active)."""
    if value is None or value == "":
        return ""
    language = _language(language)
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        decimal_pos=decimal_pos,
        grouping=formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        force_grouping=True,
        use_l10n=True,
    )


def date_local(value: dt.date, language: str | None = None, fmt: str = "SHORT_DATE_FORMAT") -> str:
    """A date in `fmt` (a format name like SHORT_DATE_FORMAT or YEAR_MONTH_FORMAT) in `language`
    (default: active), month names translated."""
    with translation.override(_language(language)):
        return formats.date_format(value, fmt)

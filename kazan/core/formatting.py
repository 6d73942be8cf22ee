"""Numbers and dates in the business's locale (its language setting), whatever language the
member reads the dashboard in: the owner sees "1.234" for a German shop, "1,234" for an English
one, the same way the shop's own receipts and the chat show them."""

import datetime as dt

from django.utils import formats, numberformat, translation


def number_local(value, language: str, decimal_pos: int | None = None) -> str:
    if value is None or value == "":
        return ""
    return numberformat.format(
        value,
        formats.get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
        decimal_pos=decimal_pos,
        grouping=formats.get_format("NUMBER_GROUPING", language, use_l10n=True),
        thousand_sep=formats.get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        force_grouping=True,
        use_l10n=True,
    )


def date_local(value: dt.date, language: str, fmt: str = "SHORT_DATE_FORMAT") -> str:
    """A date in `fmt` (a format name like SHORT_DATE_FORMAT or MONTH_DAY_FORMAT) in `language`,
    month names included."""
    with translation.override(language):
        return formats.date_format(value, fmt)

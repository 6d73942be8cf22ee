"""Token amounts for people: a whole number in the reader's locale with its unit ("1,550
tokens", "1.550 Token"), never formatted as money."""

from django.utils.translation import ngettext

from kazan.core.formatting import number_local


def tokens_format(amount: int | None, language: str | None = None) -> str:
    """`amount` tokens in the active language (or `language`'s number format)."""
    value = int(amount or 0)
    return ngettext("%(count)s token", "%(count)s tokens", value) % {
        "count": number_local(value, language)
    }

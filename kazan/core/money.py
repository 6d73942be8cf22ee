"""Prices for people: minor units -> "9,00 €" / "€9.00", in the reader's language.

Django's locale formats give the separators; the symbol and where it goes are a small table
(no CLDR library in the project). Unknown currencies show their ISO code.
"""

from decimal import Decimal

from django.utils import translation

from kazan.core.formatting import number_local

# ISO 4217 currencies without minor units.
_ZERO_DECIMAL = frozenset({"JPY", "KRW", "VND", "CLP", "ISK"})
_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "TRY": "₺", "INR": "₹", "JPY": "¥"}
# Languages that write the symbol before the amount ("€9.00", "₺9,00"); others after ("9,00 €").
_SYMBOL_FIRST = frozenset({"en", "tr"})


def minor_digits(currency: str) -> int:
    return 0 if currency.upper() in _ZERO_DECIMAL else 2


def money_format(amount_minor: int, currency: str, language: str | None = None) -> str:
    currency = (currency or "").upper()
    digits = minor_digits(currency)
    amount = Decimal(amount_minor).scaleb(-digits)
    lang = (language or translation.get_language() or "en").split("-")[0]
    number = number_local(amount, lang, decimal_pos=digits)
    symbol = _SYMBOLS.get(currency)
    if symbol is None:
        return f"{number} {currency}"
    if lang in _SYMBOL_FIRST:
        return f"{symbol}{number}"
    return f"{number}\u00a0{symbol}"

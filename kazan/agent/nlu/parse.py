"""Slot parsers: quantities (digits and number words), budgets ("unos 50€", "under 30 euros",
"sotto i 40 euro") and dates ("mañana", "venerdì", "2026-05-12", "24 de diciembre") — small
per-language word lists, no network, no model."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from kazan.agent.nlu.text import fold, words

NUMBER_WORDS: dict[str, int] = {}
for _lang_words in (
    # en
    "one two three four five six seven eight nine ten eleven twelve",
    # es
    "uno dos tres cuatro cinco seis siete ocho nueve diez once doce",
    # it
    "uno due tre quattro cinque sei sette otto nove dieci undici dodici",
    # de
    "eins zwei drei vier funf sechs sieben acht neun zehn elf zwolf",
    # tr
    "bir iki uc dort bes alti yedi sekiz dokuz on onbir oniki",
):
    for _i, _w in enumerate(_lang_words.split(), start=1):
        NUMBER_WORDS.setdefault(_w, _i)
NUMBER_WORDS.update({"a": 1, "an": 1, "un": 1, "una": 1, "uno": 1, "ein": 1, "eine": 1})
NUMBER_WORDS.update({"couple": 2, "pair": 2, "paio": 2, "par": 2, "dozen": 12, "docena": 12})
# Articles count as one only right before a product; a bare "a" elsewhere is no quantity.
_ARTICLES = {"a", "an", "un", "una", "uno", "ein", "eine", "bir"}


def quantity(text: str, default: int | None = None) -> int | None:
    """The first quantity in the text: "2", "dos", "tre", "a couple" (articles excluded)."""
    for word in words(text):
        if (times := re.fullmatch(r"x(\d{1,2})|(\d{1,2})x", word)) and int(times[1] or times[2]):
            return int(times[1] or times[2])  # "x2", "2x"
        if word.isdigit() and 0 < int(word) <= 999:
            return int(word)
        if word in NUMBER_WORDS and word not in _ARTICLES:
            return NUMBER_WORDS[word]
    return default


# --- budgets ----------------------------------------------------------------------------------

_MONEY = re.compile(
    r"(?P<pre>[€$£])?\s?(?P<num>\d{1,6}(?:[.,]\d{1,2})?)\s?(?P<post>€|\$|£|eur\w*|dolar\w*|"
    r"dollar\w*|usd|gbp|pound\w*|lir\w*|tl)?"
)
_MAX_WORDS = (
    "under", "below", "less than", "max", "maximum", "not more than", "massima", "maxima",
    "up to", "no more than", "at most",
    "within", "menos de", "hasta", "no mas de", "maximo", "como maximo", "por debajo de",
    "sotto", "meno di", "massimo", "fino a", "non piu di", "entro", "unter", "bis",
    "hochstens", "maximal", "altinda", "en fazla",
)  # fmt: skip
_MIN_WORDS = (
    "over", "more than", "above", "at least", "mas de", "al menos", "minimo", "piu di",
    "sopra", "almeno", "uber", "mindestens", "ustunde", "en az",
)  # fmt: skip
_APPROX_WORDS = (
    "about", "around", "roughly", "approximately", "budget", "unos", "unas", "alrededor",
    "aproximadamente", "presupuesto", "circa", "intorno", "sui", "sulle", "budget di",
    "etwa", "ungefahr", "rund", "butce", "civarinda", "yaklasik",
)  # fmt: skip
APPROX_TOLERANCE = Decimal("1.10")


@dataclass(frozen=True)
class Budget:
    max_minor: int | None = None
    min_minor: int | None = None


def _amount(raw: str) -> Decimal | None:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        return None


def budget(text: str, digits: int = 2) -> Budget | None:
    """A price limit in the text, in minor units of a currency with `digits` decimals: "under
    30" is at most 30, "more than 20" at least 20, "about/unos/circa 50" at most 50 + 10 %."""
    folded = fold(text)
    for match in _MONEY.finditer(folded):
        has_currency = bool(match.group("pre") or match.group("post"))
        before = folded[max(0, match.start() - 40) : match.start()]
        before_words = " ".join(words(before)[-5:])
        is_max = any(re.search(rf"\b{w}\b", before_words) for w in _MAX_WORDS)
        is_min = any(re.search(rf"\b{w}\b", before_words) for w in _MIN_WORDS)
        is_approx = any(re.search(rf"\b{w}\b", before_words) for w in _APPROX_WORDS)
        if not (has_currency or is_max or is_min or is_approx):
            continue
        amount = _amount(match.group("num"))
        if amount is None or amount <= 0:
            continue
        scale = Decimal(10) ** digits
        if is_min and not is_max:
            return Budget(min_minor=int(amount * scale))
        if is_max:
            return Budget(max_minor=int(amount * scale))
        return Budget(max_minor=int((amount * APPROX_TOLERANCE * scale).to_integral_value()))
    return None


# --- dates ------------------------------------------------------------------------------------

_WEEKDAYS: dict[str, int] = {}
for _lang_days in (
    "monday tuesday wednesday thursday friday saturday sunday",
    "lunes martes miercoles jueves viernes sabado domingo",
    "lunedi martedi mercoledi giovedi venerdi sabato domenica",
    "montag dienstag mittwoch donnerstag freitag samstag sonntag",
    "pazartesi sali carsamba persembe cuma cumartesi pazar",
):
    for _i, _w in enumerate(_lang_days.split()):
        _WEEKDAYS[_w] = _i
_MONTHS: dict[str, int] = {}
for _lang_months in (
    "january february march april may june july august september october november december",
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    "januar februar marz april mai juni juli august september oktober november dezember",
    "ocak subat mart nisan mayis haziran temmuz agustos eylul ekim kasim aralik",
):
    for _i, _w in enumerate(_lang_months.split(), start=1):
        _MONTHS.setdefault(_w, _i)
_MONTHS.update({"sept": 9, "setiembre": 9, "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6})
_MONTHS.update({"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12})

_RELATIVE = {
    "today": 0, "tonight": 0, "hoy": 0, "esta noche": 0, "oggi": 0, "stasera": 0, "heute": 0,
    "bugun": 0, "tomorrow": 1, "manana": 1, "domani": 1, "morgen": 1, "yarin": 1,
    "day after tomorrow": 2, "pasado manana": 2, "dopodomani": 2, "ubermorgen": 2,
    "this weekend": -6, "este fin de semana": -6, "questo fine settimana": -6, "weekend": -6,
    "fin de semana": -6, "fine settimana": -6, "wochenende": -6,
}  # fmt: skip
# "in 3 days", "tra una settimana", "dentro de 2 dias", "in a week".
_IN_DAYS = re.compile(
    r"\b(?:in|tra|fra|dentro de|en|entro|within)\s+(\d{1,2}|[a-z]+)\s+"
    r"(days?|giorni|dias|weeks?|settiman[ae]|semanas?)\b"
)
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b")


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _future(today: dt.date, month: int, day: int, year: int | None) -> dt.date | None:
    if year is not None:
        return _safe(year if year > 99 else 2000 + year, month, day)
    found = _safe(today.year, month, day)
    if found is not None and found < today:
        found = _safe(today.year + 1, month, day)
    return found


def date_in(text: str, today: dt.date) -> dt.date | None:
    """The day the text names, on or after `today` for a weekday or a day without a year."""
    folded = fold(text)
    if m := _ISO.search(folded):
        return _safe(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if m := _NUMERIC.search(folded):
        year = int(m.group(3)) if m.group(3) else None
        return _future(today, int(m.group(2)), int(m.group(1)), year)
    tokens = words(folded)
    joined = " ".join(tokens)
    if m := _IN_DAYS.search(joined):
        count = NUMBER_WORDS.get(m.group(1)) or (int(m.group(1)) if m.group(1).isdigit() else 1)
        unit = 7 if m.group(2)[0] in "ws" else 1
        return today + dt.timedelta(days=count * unit)
    for phrase, offset in sorted(_RELATIVE.items(), key=lambda kv: -len(kv[0])):
        if re.search(rf"\b{phrase}\b", joined):
            if offset == -6:  # the coming Saturday
                return today + dt.timedelta(days=(5 - today.weekday()) % 7)
            return today + dt.timedelta(days=offset)
    for i, token in enumerate(tokens):
        if token in _MONTHS and len(token) > 2:
            around = tokens[max(0, i - 3) : i] + tokens[i + 1 : i + 3]
            day = next(
                (int(t.rstrip("stndrh")) for t in around if t.rstrip("stndrh").isdigit()), None
            )
            year = next(
                (int(t) for t in tokens[i + 1 : i + 4] if len(t) == 4 and t.isdigit()), None
            )
            if day is not None and 1 <= day <= 31:
                return _future(today, _MONTHS[token], day, year)
    for token in tokens:
        if token in _WEEKDAYS:
            ahead = (_WEEKDAYS[token] - today.weekday()) % 7
            nxt = re.search(r"\b(next|proximo|prossimo|nachsten|naechsten|gelecek)\b", joined)
            if ahead == 0 and nxt:
                ahead = 7
            return today + dt.timedelta(days=ahead)
    return None

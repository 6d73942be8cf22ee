"""How many SMS a text costs: GSM 03.38 (7-bit) when every character is in its tables, else UCS-2.

A single SMS carries 160 GSM-7 septets or 70 UCS-2 code units. A longer text is split into
concatenated parts that lose room to the user data header: 153 septets or 67 code units each.
Characters from the GSM extension table (€, [, ], {, }, ~, ^, |, \\, form feed) take two septets
(escape + char) and, like a UTF-16 surrogate pair, are never split across two parts.
"""

from dataclasses import dataclass

# GSM 03.38 basic character set, in table order (0x00-0x7F; 0x1B is the escape to the extension).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
# GSM 03.38 extension table (each costs the escape septet plus one).
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
_SINGLE = {GSM7: 160, UCS2: 70}
_PART = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class SegmentInfo:
    encoding: str  # "GSM-7" or "UCS-2"
    characters: int  # characters as people count them (code points)
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2) the text takes
    segments: int  # SMS parts billed; 0 for an empty text
    per_segment: int  # room in one part at this length: 160/70 single, 153/67 concatenated
    remaining: int  # units still free in the last part before another part is needed


def _is_gsm7(text: str) -> bool:
    return _GSM7_ALL.issuperset(text)


_GSM7_ALL = frozenset(GSM7_BASIC) | frozenset(GSM7_EXTENSION)


def _unit_cost(char: str, encoding: str) -> int:
    if encoding == GSM7:
        return 2 if char in GSM7_EXTENSION else 1
    return 2 if ord(char) > 0xFFFF else 1  # astral characters (emoji) are surrogate pairs


def sms_segments(body: str) -> SegmentInfo:
    """Encoding, length and number of SMS parts for `body`, as the carrier will bill it."""
    encoding = GSM7 if _is_gsm7(body) else UCS2
    single = _SINGLE[encoding]
    part = _PART[encoding]
    if encoding == GSM7:
        wide = sum(body.count(char) for char in GSM7_EXTENSION if char in body)
    else:
        wide = sum(1 for char in body if ord(char) > 0xFFFF) if not body.isascii() else 0
    if not wide:
        # Every character one unit (the common case, a campaign's whole batch): no part
        # boundary can split a character, so the parts are plain division.
        units = len(body)
        if units <= single:
            return SegmentInfo(
                encoding=encoding,
                characters=units,
                units=units,
                segments=1 if units else 0,
                per_segment=single,
                remaining=single - units,
            )
        segments = -(-units // part)
        return SegmentInfo(
            encoding=encoding,
            characters=units,
            units=units,
            segments=segments,
            per_segment=part,
            remaining=part - (units - (segments - 1) * part),
        )
    costs = [_unit_cost(char, encoding) for char in body]
    units = sum(costs)
    if units <= single:
        return SegmentInfo(
            encoding=encoding,
            characters=len(body),
            units=units,
            segments=1 if units else 0,
            per_segment=single,
            remaining=single - units,
        )
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:  # a two-unit character moves whole into the next part
            segments += 1
            used = 0
        used += cost
    return SegmentInfo(
        encoding=encoding,
        characters=len(body),
        units=units,
        segments=segments,
        per_segment=part,
        remaining=part - used,
    )

"""SMS segment counting: GSM 03.38 (basic + extension tables) vs UCS-2, single vs concatenated."""

from hypothesis import given
from hypothesis import strategies as st

from kazan.messaging.segments import GSM7_BASIC, GSM7_EXTENSION, sms_segments


def test_gsm7_basic_table_has_128_characters_and_extension_10():
    assert len(GSM7_BASIC) == 128
    assert len(GSM7_EXTENSION) == 10


def test_plain_text_fits_160_gsm7_characters_in_one_sms():
    info = sms_segments("a" * 160)
    assert (info.encoding, info.units, info.segments, info.remaining) == ("GSM-7", 160, 1, 0)


def test_161_gsm7_characters_make_two_parts_of_153():
    info = sms_segments("a" * 161)
    assert info.segments == 2
    assert info.per_segment == 153
    assert info.remaining == 153 - 8


def test_long_concatenated_text_counts_153_per_part():
    assert sms_segments("x" * 459).segments == 3
    assert sms_segments("x" * 459).remaining == 0
    assert sms_segments("x" * 460).segments == 4


def test_gsm7_accented_letters_of_the_basic_table_stay_gsm7():
    info = sms_segments("Grüße aus Köln: Café, señor, à bientôt? No: ô is not GSM")
    assert info.encoding == "UCS-2"  # ô is not in GSM 03.38
    assert sms_segments("Grüße aus Köln, Café, señor, Ørsted, ÆØÅ, ¿qué?").encoding == "GSM-7"


def test_euro_and_other_extension_characters_cost_two_septets():
    info = sms_segments("€" * 80)
    assert (info.encoding, info.characters, info.units, info.segments) == ("GSM-7", 80, 160, 1)
    assert sms_segments("Price: 5€ [a] {b} ~c^ |d\\").units == len("Price: 5€ [a] {b} ~c^ |d\\") + 9


def test_an_extension_character_is_never_split_across_parts():
    # 81 € = 162 septets: a part holds 76 € (152 septets), the 77th would straddle the boundary.
    info = sms_segments("€" * 81)
    assert info.segments == 2
    assert info.remaining == 153 - 2 * 5
    # 152 plain characters then € at the boundary: the € moves whole into part two.
    boundary = sms_segments("a" * 152 + "€" + "a" * 10)
    assert boundary.segments == 2
    assert boundary.remaining == 153 - 12


def test_a_lowercase_c_cedilla_forces_ucs2():
    # GSM 03.38 has Ç but not ç: one such letter makes the whole text UCS-2 (70 per SMS).
    assert sms_segments("Ç" * 100).encoding == "GSM-7"
    info = sms_segments("ç")
    assert (info.encoding, info.segments, info.remaining) == ("UCS-2", 1, 69)


def test_unicode_fits_70_then_67_per_part():
    assert sms_segments("ж" * 70).segments == 1
    info = sms_segments("ж" * 71)
    assert (info.segments, info.per_segment, info.remaining) == (2, 67, 67 - 4)
    assert sms_segments("Merhaba, iyi günler! Şimdi ğ ı ş").encoding == "UCS-2"


def test_emoji_are_surrogate_pairs_and_never_split():
    assert sms_segments("😀" * 35).units == 70
    assert sms_segments("😀" * 35).segments == 1
    info = sms_segments("😀" * 36)  # 72 units: parts of 33 emoji (66 units), pairs not split
    assert info.segments == 2
    assert info.remaining == 67 - 6


def test_empty_text_is_zero_segments():
    info = sms_segments("")
    assert (info.segments, info.remaining) == (0, 160)


@given(st.text(max_size=700))
def test_segments_cover_the_units_and_never_exceed_part_size(text):
    info = sms_segments(text)
    if not text:
        return
    assert info.segments >= 1
    assert 0 <= info.remaining <= info.per_segment
    if info.segments == 1:
        assert info.units <= info.per_segment
    else:
        # Each part holds at most per_segment units; padding only where a pair would straddle.
        assert (info.segments - 1) * info.per_segment < info.units + info.segments
        assert info.units <= info.segments * info.per_segment


@given(st.text(alphabet=sorted(GSM7_BASIC | GSM7_EXTENSION), min_size=1, max_size=500))
def test_gsm7_alphabet_texts_are_never_ucs2(text):
    assert sms_segments(text).encoding == "GSM-7"


def _segments_by_unit(body: str) -> tuple[str, int, int, int]:
    """The counting rule spelled out one character at a time (the reference for the fast path)."""
    gsm = all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in body)
    costs = [
        (2 if c in GSM7_EXTENSION else 1) if gsm else (2 if ord(c) > 0xFFFF else 1) for c in body
    ]
    units, single, part = sum(costs), (160 if gsm else 70), (153 if gsm else 67)
    if units <= single:
        return ("GSM-7" if gsm else "UCS-2", units, 1 if units else 0, single - units)
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return ("GSM-7" if gsm else "UCS-2", units, segments, part - used)


@given(st.text(alphabet="ab é€[日😀\n", max_size=400))
def test_segments_match_the_character_by_character_rule(body):
    info = sms_segments(body)
    assert (info.encoding, info.units, info.segments, info.remaining) == _segments_by_unit(body)

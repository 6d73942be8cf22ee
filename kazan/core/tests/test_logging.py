"""The log redaction masks phone numbers however they are written, and leaves the numbers a log
is made of — timestamps, dates, times, ids, amounts, addresses — readable."""

import time

import phonenumbers
import pytest
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from kazan.core.logging import redact

KEPT = [
    "next run at: 2026-12-05 08:07:00 UTC",
    "Running job (trigger: cron[minute='*'], next run at: 2026-12-05 08:07:00 UTC)",
    "started 2026-12-05T07:00:00+00:00, done 2026-12-05T07:00:01.123456Z",
    "2026-12-05 08:07:00.123456+00:00",
    "Mon, 05 Dec 2026 08:07:00 +0000",
    "opening hours 12:00-13:00 and 18:30-22:00",
    "due 05.12.2026, paid 12/05/2026, sent 2026/12/05",
    "order 12 of 2026 for 3 items",
    "id 123456789012",
    "invoice 2026-000123",
    "order #1234567 with 1234567 tokens",
    "uuid 550e8400-e29b-41d4-a716-446655440000",
    "took 1733384820 s",
    "amount 1234567.89 EUR, 1.234.567,89 €, 12,50 EUR",
    "client 203.0.113.7 and 192.168.100.200",
    "version 1.2.3.4.5.6",
    "business 42: 15 messages, 1200 credits, port 8000, pid 12345",
    "1+1=2",
]

MASKED = [
    ("sent to +49 151 1234 5678 ok", "sent to [phone] ok"),
    ("no customer +4915112345678 / anna@example.com", "no customer [phone] / [email]"),
    ("call 0151 12345678 or 030 1234567", "call [phone] or [phone]"),
    ("call (030) 1234567, 030/1234567, 030-1234567", "call [phone], [phone], [phone]"),
    ("+49 (0)151 1234-5678", "[phone]"),
    ("0044 20 7946 0958", "[phone]"),
    ("(555) 123-4567 / 555-123-4567 / 555.123.4567", "[phone] / [phone] / [phone]"),
    ("+1 (555) 123-4567", "[phone]"),
    ("0532 123 45 67 and +90 532 123 45 67", "[phone] and [phone]"),
    ("612 34 56 78", "[phone]"),
    ("06.12.34.56.78", "[phone]"),
    ("wa_id=4915112345678", "wa_id=[phone]"),
    ("tel:+4915112345678", "tel:[phone]"),
    ("The 'To' number +0049151123456 is not valid", "The 'To' number [phone] is not valid"),
    ("at 08:07 to +4915112345678 on 2026-12-05", "at 08:07 to [phone] on 2026-12-05"),
]


@pytest.mark.parametrize("text", KEPT)
def test_timestamps_dates_ids_and_amounts_survive(text):
    assert redact(text) == text


@pytest.mark.parametrize(("text", "expected"), MASKED)
def test_phone_numbers_are_masked(text, expected):
    assert redact(text) == expected


REGIONS = ["DE", "GB", "FR", "IT", "ES", "TR", "NL", "AT", "CH", "PL", "US", "DK", "NO", "BR"]


@pytest.mark.parametrize("region", REGIONS)
@pytest.mark.parametrize("kind", [PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE])
def test_every_written_form_of_a_countrys_numbers_is_masked(region, kind):
    """phonenumbers' own example numbers, in E.164, international and national form."""
    number = phonenumbers.example_number_for_type(region, kind)
    forms = (PhoneNumberFormat.E164, PhoneNumberFormat.INTERNATIONAL, PhoneNumberFormat.NATIONAL)
    for form in forms:
        written = phonenumbers.format_number(number, form)
        assert redact(f"sms to {written} failed") == "sms to [phone] failed", written


HOSTILE = ["1-" * 50_000 + "x", "a." * 50_000, "1 " * 50_000, "a@b" * 30_000]


@pytest.mark.parametrize("text", HOSTILE)
def test_redaction_takes_linear_time_on_hostile_text(text):
    """A message may quote what a visitor typed; no input may make logging hang (it took minutes
    for 100 kB of "1-1-1-…" when the email pattern backtracked)."""
    started = time.perf_counter()
    redact(text)
    assert time.perf_counter() - started < 5

"""Structured logging: every record carries the request id; personal data is scrubbed."""

import contextvars
import logging
import re

import phonenumbers
from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

# Starts only where a local part can start and never backtracks into it: a long run like
# "1-1-1-…" in a message would otherwise cost quadratic time in every log call.
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]+\.[\w.-]+")
# One pass over the text. Dates, times, IPv4 addresses and decimal amounts are matched first and
# kept, so their digits are never read as a phone number ("2026-12-05 08:07:00" stays). Anything
# else made of digits and the separators people write in numbers is a candidate, judged below.
_NUMBERS = re.compile(
    r"""
    (?P<keep>
        \d{4}-\d{1,2}-\d{1,2}(?:[T\x20]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?)?
            (?:Z|[+-]\d{2}:?\d{2}\b)?                        # ISO date, time, offset
      | \d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b(?![./-]\d)        # 05.12.2026, 12/05/26
      | \d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?                   # 08:07, 08:07:00.123
      | \d{1,3}(?:\.\d{1,3}){3}\b(?!\.\d)                     # 203.0.113.7
      | \d+[.,]\d{1,2}\b(?![.,]\d)                            # 1234567.89, 12,50
    )
    | (?P<phone>
        (?:(?<!\d)\+|(?<![\w+\-./])\(?\b)                    # not the tail of an id
        \d(?:[\x20\-./()]{0,2}\d)++                          # +49 (0)151 1234-5678 …
    )
    """,
    re.VERBOSE,
)
_SEPARATORS = re.compile(r"[\x20\-./()]+")


def _looks_like_phone(raw: str, after: str) -> bool:
    """A phone number's shape: after a +, or after 00 and possible for its country code, a
    national number with its trunk 0, three groups of 9+ digits or four of 8+ ("612 34 56 78",
    "(555) 123-4567", "34 41 23 45"), or an E.164 number written without its + (a WhatsApp id).
    Two groups without a trunk 0 ("2026-000123") and short runs stay: they are ids and counts
    far more often than phone numbers."""
    if after[:1].isalnum() or after[:1] == ":":  # part of a word, an id, a time
        return False
    digits = re.sub(r"\D", "", raw)
    groups = [group for group in _SEPARATORS.split(raw.lstrip("+")) if group]
    if raw.startswith("+"):  # whatever follows a + is meant as a phone number, valid or not
        return 7 <= len(digits) <= 15
    if raw.startswith("00"):  # an international prefix, or zero-padding: the country decides
        return 7 <= len(digits) - 2 <= 15 and _possible("+" + digits[2:])
    if digits.startswith("0"):
        return 7 <= len(digits) <= 13 and (len(groups) > 1 or len(digits) >= 9)
    if len(groups) >= 3:
        return (9 if len(groups) == 3 else 8) <= len(digits) <= 15
    return len(groups) == 1 and 10 <= len(digits) <= 15 and _valid("+" + digits)


def _possible(text: str) -> bool:
    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(text))
    except phonenumbers.NumberParseException:
        return False


def _valid(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text))
    except phonenumbers.NumberParseException:
        return False


def _phone_masked(match: re.Match) -> str:
    raw = match.group("phone")
    if raw is None or not _looks_like_phone(raw, match.string[match.end() :]):
        return match.group(0)
    return "[phone]"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def redact(text: str) -> str:
    """The text with email addresses and phone numbers masked; dates, times, amounts and ids
    stay readable."""
    return _NUMBERS.sub(_phone_masked, _EMAIL.sub("[email]", text))


class RedactPersonalDataFilter(logging.Filter):
    """A last line of defence: code must not log personal data, but if it does it is masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


class RedactingJsonFormatter(JsonFormatter):
    """JSON lines whose tracebacks are redacted like messages, and whose `request` (Django puts
    the request into every 4xx/5xx record) names only method and path: a query string holds
    whatever was searched for — a customer's name, phone or email."""

    def formatException(self, ei):
        formatted = super().formatException(ei)
        if isinstance(formatted, list):
            return [redact(line) for line in formatted]
        return redact(formatted)

    def process_log_record(self, log_record):
        request = log_record.get("request")
        if request is not None and not isinstance(request, str):
            method = getattr(request, "method", "")
            path = getattr(request, "path", "")
            log_record["request"] = redact(f"{method} {path}")
        return super().process_log_record(log_record)

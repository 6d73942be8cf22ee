"""Structured logging: every record carries the request id; personal data is scrubbed."""

import contextvars
import logging
import re

from pythonjsonlogger.json import JsonFormatter

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        return True


def redact(text: str) -> str:
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


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

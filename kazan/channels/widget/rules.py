"""The widget's pure rules, no database: what an allowed origin is, whether the business is
open now, which language the visitor gets and which of the business's texts it reads."""

import re
from datetime import datetime, time
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings

LANGUAGE_CODES = tuple(code for code, _name in settings.LANGUAGES)
ORIGINS_MAX = 20
RANGES_PER_DAY_MAX = 4
TEXT_MAX = 300
_HOST = re.compile(
    r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"
)
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_normalize(raw: str) -> str | None:
    """`scheme://host[:port]` lowercased, without a default port; None when `raw` is not an
    origin (a path, a query, credentials or a wildcard make it something else)."""
    value = (raw or "").strip().rstrip("/")
    if not value or len(value) > 200:
        return None
    try:
        parts = urlsplit(value)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if (
        scheme not in _DEFAULT_PORTS
        or parts.path
        or parts.query
        or parts.fragment
        or parts.username
        or parts.password
        or not _HOST.match(host)
    ):
        return None
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def clock_parse(value: object) -> time | None:
    match = _CLOCK.match(value) if isinstance(value, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


def hours_open(hours: dict[str, Any], timezone_name: str, now: datetime) -> bool:
    """Open at `now` by the weekly hours in the business's time zone; no hours: always open.
    A range ending at 00:00 runs to midnight."""
    if not hours:
        return True
    local = now.astimezone(ZoneInfo(timezone_name))
    clock = local.time().replace(second=0, microsecond=0)
    for start, end in hours.get(str(local.weekday()), []):
        opens, closes = clock_parse(start), clock_parse(end)
        if opens is None or closes is None:
            continue
        if opens <= clock and (clock < closes or closes == time(0, 0)):
            return True
    return False


def language_pick(requested: str, offered: list[str], fallback: str) -> str:
    """The visitor's browser language when the widget offers it (also `de-AT` → `de`), else
    the business's own language if offered, else the first offered."""
    choices = [code for code in offered if code in LANGUAGE_CODES] or list(LANGUAGE_CODES)
    code = (requested or "").strip().lower().replace("_", "-")[:16]
    for candidate in (code, code.split("-")[0]):
        if candidate in choices:
            return candidate
    return fallback if fallback in choices else choices[0]


def text_for(texts: object, language: str) -> str:
    """The business's own text in `language`; "" when it wrote none (the caller says the
    translated default), never another language's text."""
    if not isinstance(texts, dict):
        return ""
    text = texts.get(language)
    return text.strip() if isinstance(text, str) else ""

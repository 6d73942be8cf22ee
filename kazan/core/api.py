"""Building blocks every API router shares: the one error shape and the error responses a route
documents with it, bounded pagination, and strict ISO-8601 timestamps."""

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from kazan.core.errors import ValidationFailed
from kazan.core.forms import FILTER_DATE_MAX, FILTER_DATE_MIN


class ErrorOut(Schema):
    """Every API error, whatever raised it: a stable `code` for programs, a `message` for
    people and, for invalid fields (422), `errors` saying which ones and why."""

    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["Not found."])
    errors: list[dict[str, Any]] | None = Field(
        None, description="Only on 422: one entry per invalid field, with its location (`loc`)."
    )
    key: str | None = Field(
        default=None,
        description="Only on plan errors (402 `plan_limit_reached`, `subscription_inactive`; "
        "403 `plan_feature_unavailable`): the limit or capability, e.g. `faqs`.",
    )
    limit: int | None = Field(default=None, description="Only on plan errors: the plan's limit.")
    upgrade_url: str | None = Field(
        default=None, description="Only on plan errors: where the business upgrades its plan."
    )


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error responses a route documents, all in the shape of ErrorOut. Every route can
    answer 400 (an unreadable body, a NUL or a lone surrogate in its input); pass the others it
    can answer: 401/403 with auth, 404 with an id in the path, 422 with parameters or a body."""
    return {status: ErrorOut for status in sorted({400, *statuses})}


# Tenant routes: authentication (401), permission or another business's key (403).
AUTH_ERRORS = (401, 403)


def responses(ok: Any, *statuses: int, ok_status: int = 200) -> dict[int, Any]:
    """`response=` of a tenant route: the success schema plus its documented errors."""
    return {ok_status: ok, **errors(*AUTH_ERRORS, *statuses)}


class Unprocessable(ValidationFailed):
    """A ValidationFailed from a service, answered the way the API answers schema errors."""

    status = 422

    def __init__(
        self,
        message: Any = None,
        *,
        code: Any = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.errors = errors  # per field, like a schema's 422: {"loc": [...], "msg": "..."}


@contextmanager
def unprocessable() -> Iterator[None]:
    """A service's ValidationFailed (400 on pages) becomes a 422 in the API, like a schema's."""
    try:
        yield
    except ValidationFailed as exc:
        if isinstance(exc, Unprocessable):
            raise
        raise Unprocessable(exc.message, code=exc.code) from None


# Beyond this the row offset (page × size) stops fitting the database's 64-bit integers long
# before any business has that many rows; a bigger page is a 422, not an overflow.
PAGE_MAX = 1_000_000
PAGE_SIZE_MAX = 100


class Pagination(PageNumberPagination):
    """`?page=` (and `?page_size=`, at most 100), both bounded so no number overflows a query."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=PAGE_SIZE_MAX)

    def __init__(self, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=PAGE_SIZE_MAX, **kwargs)


# An ISO-8601 date or date-time: "2026-05-01", "2026-05-01T09:30", "2026-05-01T09:30:00+02:00".
# Without this, pydantic also takes numbers and numeric strings ("0.5") as Unix times.
_ISO_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\S+)?")
# Real UTC offsets run from -12:00 to +14:00; PostgreSQL refuses anything near ±24 h.
OFFSET_MAX = dt.timedelta(hours=14)


def _iso_text(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value
    if not isinstance(value, str) or not _ISO_DATETIME.fullmatch(value):
        raise ValueError("must be an ISO 8601 date-time such as 2026-05-01T09:30:00+02:00")
    return value


def _date_in_range(value: dt.date) -> dt.date:
    if not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
        raise ValueError(f"must be between {FILTER_DATE_MIN} and {FILTER_DATE_MAX}")
    return value


def _aware_in_range(value: dt.datetime) -> dt.datetime:
    if timezone.is_naive(value):  # the documented default: the server's time zone
        value = timezone.make_aware(value)
    offset = value.utcoffset()
    if offset is not None and abs(offset) > OFFSET_MAX:
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    # Year 1 or 9999 with an offset overflows when converted to UTC for the query.
    _date_in_range(value.date())
    return value


Timestamp = Annotated[
    dt.datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_aware_in_range),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
"""A date-time an API client sends: ISO-8601 text only, offset within ±14:00 (none: the
server's time zone), years 1900–2999."""


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise ValueError("must be an ISO 8601 date such as 2026-05-01")
    return value


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date_text),
    AfterValidator(_date_in_range),
    WithJsonSchema({"type": "string", "format": "date"}),
]
"""A date an API client sends: ISO-8601 text (2026-05-01) only, years 1900–2999."""

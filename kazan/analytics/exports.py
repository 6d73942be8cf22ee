"""The export machinery: a registry of export kinds, and the file writers.

Each kind's data lives with the app that owns it: that app registers a *source* for the kind
from its AppConfig.ready() (`export_kind_register`), so analytics never reads other apps' tables.
A *source* turns validated filters into `Table(headers, rows)`, where `rows` is an iterator that
reads the database in chunks (`QuerySet.iterator`), so a list of 100,000 customers is never held
in memory. A *writer* streams such rows into a file: CSV row by row, Excel with xlsxwriter's
constant-memory mode (each row is flushed to disk as soon as the next one starts), PDF page by
page with `pdfstream` (each page is written to the file as soon as it is full).

Cell values a source may yield: str, int, float, Decimal, bool, None, date and naive datetime
(already in the report's time zone, which the column header names). Personal data is masked
at the source: phones and emails are never written in full.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kazan.analytics.enums import ExportKind
from kazan.analytics.error_codes import AnalyticsErrorCode
from kazan.core.errors import ValidationFailed

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

CHUNK_SIZE = 2000
# Excel's hard limit is 1,048,576 rows per sheet, one of which is the header.
XLSX_MAX_ROWS = 1_048_575
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
DATE_FORMAT = "%Y-%m-%d"

Cell = str | int | float | decimal.Decimal | bool | dt.date | dt.datetime | None


@dataclass
class Table:
    """What a source returns. `widths` are relative column widths for the PDF (optional)."""

    title: str
    headers: list[str]
    rows: Iterator[list[Cell]] | Iterable[list[Cell]]
    widths: list[float] = field(default_factory=list)


# --- cell helpers --------------------------------------------------------------------------------


def local_naive(value: dt.datetime | None, tz: dt.tzinfo) -> dt.datetime | None:
    """An aware datetime as a naive one in `tz`, to the minute (what every writer can hold)."""
    if value is None:
        return None
    return timezone.localtime(value, tz).replace(tzinfo=None, second=0, microsecond=0)


def yes_no(value: bool | None) -> str:
    return _("yes") if value else _("no")


def cell_text(value: Cell) -> str:
    """How a cell reads in CSV and PDF: plain numbers, ISO dates, empty for None."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return yes_no(value)
    if isinstance(value, dt.datetime):
        return value.strftime(DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return value.strftime(DATE_FORMAT)
    return str(value)


# A cell a spreadsheet would run as a formula starts with one of these. Number-like text (a masked
# phone "+49••••678", "-5") has no letters, so no function can be named in it and it stays as is.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HARMLESS_SIGNED = re.compile(r"^[+-][0-9\s•.,()/-]*$")


def csv_safe(text: str) -> str:
    """Neutralises CSV formula injection (a customer may call themself "=HYPERLINK(…)")."""
    if text.startswith(_FORMULA_START) and not _HARMLESS_SIGNED.match(text):
        return "'" + text
    return text


# --- writers -------------------------------------------------------------------------------------


def write_csv(table: Table, path: Path) -> int:
    """UTF-8 with a byte-order mark, so Excel opens umlauts and ğ correctly. Returns the rows."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow([csv_safe(str(h)) for h in table.headers])
        for row in table.rows:
            writer.writerow([csv_safe(cell_text(value)) for value in row])
            count += 1
    return count


def write_xlsx(table: Table, path: Path) -> int:
    """One sheet, constant memory: xlsxwriter keeps only the current row. Text is always written
    as text (never as a formula or a link)."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(path.parent),
        },
    )
    try:
        sheet = workbook.add_worksheet(_sheet_name(table.title))
        bold = workbook.add_format({"bold": True})
        date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
        datetime_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        for column, header in enumerate(table.headers):
            sheet.set_column(column, column, min(max(len(str(header)) + 2, 12), 40))
        sheet.write_row(0, 0, [str(h) for h in table.headers], bold)
        sheet.freeze_panes(1, 0)
        count = 0
        for row in table.rows:
            if count >= XLSX_MAX_ROWS:
                raise ValidationFailed(
                    _("This export has more rows than an Excel sheet can hold. Choose CSV."),
                    code=AnalyticsErrorCode.TOO_MANY_ROWS,
                )
            count += 1
            for column, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, bool):
                    sheet.write_string(count, column, yes_no(value))
                elif isinstance(value, int | float | decimal.Decimal):
                    sheet.write_number(count, column, float(value))
                elif isinstance(value, dt.datetime):
                    sheet.write_datetime(count, column, value, datetime_format)
                elif isinstance(value, dt.date):
                    sheet.write_datetime(count, column, value, date_format)
                else:
                    sheet.write_string(count, column, str(value))
    finally:
        workbook.close()
    return count


def _sheet_name(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()
    return (cleaned or "Export")[:31]


PDF_FONT_SIZE = 7.5
PDF_ROW_HEIGHT = 11.0
MM = 72 / 25.4
A4_LANDSCAPE = (297 * MM, 210 * MM)


def _fit(pdf, text: str, width: float) -> str:
    """A cell's text on one line, cut with an ellipsis to fit `width` points."""
    text = " ".join(text.split())
    size = PDF_FONT_SIZE
    if pdf.string_width(text, size=size) <= width:
        return text
    low, high = 0, len(text)
    while low < high:  # the longest prefix that fits with the ellipsis
        middle = (low + high + 1) // 2
        if pdf.string_width(text[:middle] + "…", size=size) <= width:
            low = middle
        else:
            high = middle - 1
    return text[:low] + "…"


def _column_widths(weights: list[float], minimums: list[float], usable: float) -> list[float]:
    """Widths in proportion to `weights` that fill `usable`, none below its minimum (the others
    give up the difference in proportion) — unless the minimums alone overflow the page."""
    fixed: dict[int, float] = {}
    while True:
        free = usable - sum(fixed.values())
        rest = [n for n in range(len(weights)) if n not in fixed]
        total = sum(weights[n] for n in rest) or 1
        widths = {n: free * weights[n] / total for n in rest}
        short = {n for n in rest if widths[n] < minimums[n]}
        if not short or free <= 0:
            break
        fixed.update({n: minimums[n] for n in short})
    return [fixed[n] if n in fixed else max(widths[n], 0.0) for n in range(len(weights))]


def write_pdf(table: Table, path: Path) -> int:
    """Landscape A4, the header repeated on every page (each header wrapped over as many lines
    as its column needs), one line per row (long cells are cut with "…"). Each page goes to the
    file as soon as it is full (see pdfstream)."""
    from kazan.analytics.pdfstream import PdfStreamWriter

    page_width, page_height = A4_LANDSCAPE
    margin = 12 * MM
    usable = page_width - 2 * margin
    weights = (
        table.widths if len(table.widths) == len(table.headers) else [1.0] * len(table.headers)
    )
    padding = 2.0
    top = page_height - margin
    title = str(table.title)
    generated = timezone.now().strftime("%Y-%m-%d %H:%M UTC")

    with open(path, "wb") as out:
        pdf = PdfStreamWriter(out, width=page_width, height=page_height, title=title)
        # Headers are never cut: each column is at least as wide as its header's longest word,
        # and a long header takes as many lines as its column needs.
        needed = [
            pdf.min_wrap_width(str(header), size=PDF_FONT_SIZE, bold=True) + 2 * padding
            for header in table.headers
        ]
        widths = _column_widths(weights, needed, usable)
        lefts = [margin + sum(widths[:n]) for n in range(len(widths))]
        header_lines = [
            pdf.wrap(str(header), width - 2 * padding, size=PDF_FONT_SIZE, bold=True)
            for header, width in zip(table.headers, widths, strict=True)
        ]
        header_height = max((len(lines) for lines in header_lines), default=1) * PDF_ROW_HEIGHT
        first_row_y = top - 10 - 6 - header_height - PDF_ROW_HEIGHT
        rows_per_page = max(int((first_row_y - margin) // PDF_ROW_HEIGHT) + 1, 1)
        page_number = 0

        def page_start() -> float:
            nonlocal page_number
            page_number += 1
            pdf.new_page()
            pdf.text(margin, top - 10, title, size=10, bold=True)
            footer = _("Generated %(when)s · page %(page)d") % {
                "when": generated,
                "page": page_number,
            }
            size = PDF_FONT_SIZE
            pdf.text(
                page_width - margin - pdf.string_width(footer, size=size),
                top - 10,
                footer,
                size=size,
            )
            y = top - 10 - 6 - PDF_ROW_HEIGHT
            for lines, left in zip(header_lines, lefts, strict=True):
                for n, line in enumerate(lines):
                    pdf.text(left + padding, y - n * PDF_ROW_HEIGHT, line, size=size, bold=True)
            y -= header_height - PDF_ROW_HEIGHT
            pdf.line(margin, y - 3, page_width - margin, y - 3)
            return y - PDF_ROW_HEIGHT

        count = 0
        on_page = 0
        y = page_start()
        for row in table.rows:
            if on_page == rows_per_page:
                pdf.end_page()
                y = page_start()
                on_page = 0
            for value, left, width in zip(row, lefts, widths, strict=False):
                cell = cell_text(value)
                if cell:
                    cell = _fit(pdf, cell, width - 2 * padding)
                    pdf.text(left + padding, y, cell, size=PDF_FONT_SIZE)
            y -= PDF_ROW_HEIGHT
            on_page += 1
            count += 1
        if count == 0:
            pdf.text(margin + padding, y, _("No rows match these filters."), size=PDF_FONT_SIZE)
        pdf.end_page()
        pdf.close()
    return count


WRITERS: dict[str, Callable[[Table, Path], int]] = {
    "csv": write_csv,
    "xlsx": write_xlsx,
    "pdf": write_pdf,
}

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


# --- the registry of export kinds ---------------------------------------------------------------

ExportFilters = dict[str, str | int]
BusinessRule = Literal["required", "optional", "none"]


class ExportBuilder(Protocol):
    """Reads a kind's rows for validated filters (a business unless the kind covers them all)."""

    def __call__(self, *, business: Business | None, filters: ExportFilters) -> Table: ...


class ExportFiltersCleaner(Protocol):
    """Validates the kind's own filters among `given` (raises `export_invalid`); returns them
    as plain JSON. The common filters (dates, name, actor, action) are analytics' own."""

    def __call__(self, *, business: Business | None, given: dict[str, object]) -> ExportFilters: ...


@dataclass(frozen=True)
class Source:
    """A kind of export: how it reads, which filters it takes, whether it needs a business."""

    build: ExportBuilder
    filters: frozenset[str]
    business: BusinessRule
    clean: ExportFiltersCleaner | None = None
    labels: dict[str, str | Promise] = field(default_factory=dict)


SOURCES: dict[str, Source] = {}


def export_kind_register(
    kind: str,
    build: ExportBuilder,
    *,
    filters: frozenset[str] = frozenset(),
    business: BusinessRule = "required",
    clean: ExportFiltersCleaner | None = None,
    labels: dict[str, str | Promise] | None = None,
) -> None:
    """Called by the app owning a kind's data from its AppConfig.ready(); `labels` name the
    kind's own filters in error messages."""
    if kind not in ExportKind.values:
        raise ValueError(f"unknown export kind {kind!r}")
    SOURCES[kind] = Source(build, frozenset(filters), business, clean, dict(labels or {}))


def table_for(*, kind: str, business: Business | None, filters: ExportFilters) -> Table:
    return SOURCES[kind].build(business=business, filters=filters)


# --- helpers for sources ------------------------------------------------------------------------


def export_invalid(
    message: str | Promise, code: AnalyticsErrorCode = AnalyticsErrorCode.INVALID_EXPORT
) -> ValidationFailed:
    """The error a bad export request or filter raises: a message a person can act on."""
    return ValidationFailed(message, code=code)


def export_positive_int(value: object, label: str | Promise) -> int | None:
    """A filter's positive whole number (an id, a rating), None when empty."""
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise export_invalid(_("%(field)s must be a positive number.") % {"field": label})
    return number


def export_choices_clean(
    given: dict[str, object],
    choices: Mapping[str, Collection[str]],
    labels: Mapping[str, str | Promise],
) -> ExportFilters:
    """The given filters that take one of a fixed set of values (a status, a channel), checked:
    an unknown value is a clear error naming the filter, not an empty export."""
    clean: ExportFilters = {}
    for key, allowed in choices.items():
        if key in given:
            value = str(given[key]).strip()
            if value not in allowed:
                raise export_invalid(_("%(field)s has an unknown value.") % {"field": labels[key]})
            clean[key] = value
    return clean


def date_range(
    filters: ExportFilters, tz: dt.tzinfo
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The filters' inclusive local days [since, until] as [start, end) instants in `tz`."""
    since = filters.get("since")
    until = filters.get("until")
    start = (
        dt.datetime.combine(dt.date.fromisoformat(str(since)), dt.time.min, tzinfo=tz)
        if since
        else None
    )
    end = (
        dt.datetime.combine(
            dt.date.fromisoformat(str(until)) + dt.timedelta(days=1), dt.time.min, tzinfo=tz
        )
        if until
        else None
    )
    return start, end

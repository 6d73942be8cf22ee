"""Reading an uploaded table (UTF-8 CSV with `,`, `;` or tab, or the first sheet of an XLSX
file) into rows of text, for the bulk imports (FAQs, the catalog). The caller says how a bad
file is refused, so each app keeps its own error code."""

import csv
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.core.cache import cache
from django.utils.translation import gettext as _


def spreadsheet_rows(
    file_name: str,
    content: bytes,
    *,
    max_bytes: int,
    max_rows: int,
    invalid: Callable[[str], Exception],
) -> list[list[str]]:
    """The file's cells as text, header row first (at most `max_rows` + 1 rows read from an
    XLSX file; the caller counts CSV rows)."""
    if len(content) > max_bytes:
        raise invalid(
            _("The file is too big (at most %(size)d MB).") % {"size": max_bytes // 1024 // 1024}
        )
    if file_name.lower().endswith(".xlsx"):
        return _xlsx(content, max_rows, invalid)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise invalid(_("The file is not a UTF-8 CSV file or an Excel (.xlsx) file.")) from error
    if "\x00" in text:
        raise invalid(_("The file is not a UTF-8 CSV file or an Excel (.xlsx) file."))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:4096], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as error:
        raise invalid(_("The CSV file could not be read: %(reason)s") % {"reason": error}) from None


def _xlsx(content: bytes, max_rows: int, invalid: Callable[[str], Exception]) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not xlsx
        raise invalid(_("The file is not a readable Excel (.xlsx) file.")) from error
    sheet = book.worksheets[0]
    rows: list[list[str]] = []
    for values in sheet.iter_rows(values_only=True):
        rows.append(["" if v is None else str(v) for v in values])
        if len(rows) > max_rows + 1:
            break
    book.close()
    return rows


# --- shared by the bulk imports -------------------------------------------------------------


class ImportedRow(Protocol):
    @property
    def updates_id(self) -> int | None: ...


TRUE = {"", "1", "yes", "y", "true", "x", "ja", "evet", "sì", "si", "sí", "active", "on"}
FALSE = {"0", "no", "n", "false", "nein", "hayır", "hayir", "inactive", "off"}


def yes_no(raw: str) -> bool | None:
    """A yes/no cell in the languages we serve (empty is yes); None when it is neither."""
    value = raw.strip().casefold()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    return None


def spreadsheet_table(
    file_name: str,
    content: bytes,
    *,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    max_bytes: int,
    max_rows: int,
    invalid: Callable[[str], Exception],
) -> tuple[list[list[str]], dict[str, int]]:
    """The rows under the header (trailing empty rows dropped) and where each known column
    stands; refuses an empty file, a missing required column or too many rows."""
    table = spreadsheet_rows(
        file_name, content, max_bytes=max_bytes, max_rows=max_rows, invalid=invalid
    )
    while table and not any(cell.strip() for cell in table[-1]):
        table.pop()
    if not table:
        raise invalid(_("The file is empty."))
    header = [cell.strip().casefold().replace(" ", "_") for cell in table[0]]
    missing = [name for name in required if name not in header]
    if missing:
        raise invalid(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(missing)}
        )
    if len(table) - 1 > max_rows:
        raise invalid(_("At most %(max)d rows per file.") % {"max": max_rows})
    return table[1:], {name: header.index(name) for name in columns if name in header}


@dataclass
class ImportReport[Row: ImportedRow]:
    """A bulk import's dry run: the good rows (each with the id of the object it updates, or
    None for a new one), each bad row's line and reason, and whether it was saved."""

    rows: list[Row] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def created(self) -> int:
        return sum(1 for row in self.rows if row.updates_id is None)

    @property
    def updated(self) -> int:
        return sum(1 for row in self.rows if row.updates_id is not None)


# Between the dry run and the confirmation, an uploaded file waits an hour in the shared cache
# (Redis in production, so any machine may take the confirmation) under a random token; the
# caller's `scope` binds it to one business and one import.

STAGE_SECONDS = 3600


def upload_stage(*, scope: str, file_name: str, content: bytes) -> str:
    token = secrets.token_urlsafe(24)
    cache.set(f"{scope}:{token}", (file_name[:200], content), STAGE_SECONDS)
    return token


def upload_staged(
    *, scope: str, token: str, invalid: Callable[[str], Exception]
) -> tuple[str, bytes]:
    """The file staged under `token` in this scope (another business's token is unknown)."""
    staged = cache.get(f"{scope}:{token}") if token and len(token) < 64 else None
    if staged is None:
        raise invalid(_("The uploaded file has expired; please upload it again."))
    name, content = staged
    return str(name), bytes(content)


def upload_unstage(*, scope: str, token: str) -> None:
    cache.delete(f"{scope}:{token}")

"""Reading an uploaded table (UTF-8 CSV with `,`, `;` or tab, or the first sheet of an XLSX
file) into rows of text, for the bulk imports (FAQs, the catalog). The caller says how a bad
file is refused, so each app keeps its own error code."""

import csv
import io
from collections.abc import Callable

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

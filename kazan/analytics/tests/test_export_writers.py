"""The export writers: what a CSV, Excel and PDF file holds, that spreadsheet formulas typed in
by a customer stay text, and that 100,000 rows go through each writer in bounded memory."""

import csv
import datetime as dt
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest
from pypdf import PdfReader

from kazan.analytics import pdfstream
from kazan.analytics.exports import WRITERS, Table, csv_safe

HEADERS = ["Name", "Phone", "When", "Count", "Amount", "Consent"]
WHEN = dt.datetime(2026, 3, 4, 15, 30)


def _table(rows, title="Customers of Café A") -> Table:
    return Table(title=title, headers=HEADERS, rows=iter(rows), widths=[3, 2, 2, 1, 1, 1])


def _sample_rows():
    return [
        ["Şükrü Öztürk", "+49••••678", WHEN, 3, Decimal("9.50"), "yes"],
        ['=HYPERLINK("http://evil")', "+90••••123", None, 0, Decimal("0"), "no"],
        ["Zoë", "", dt.date(2026, 1, 2), 12, 1.5, None],
    ]


def test_csv_has_a_bom_the_headers_plain_values_and_defused_formulas(tmp_path):
    # Given rows with a formula a customer typed as their name
    path = tmp_path / "out.csv"

    # When they are written as CSV
    count = WRITERS["csv"](_table(_sample_rows()), path)

    # Then the file opens in Excel as UTF-8 and reads back as written, the formula as text
    assert count == 3
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADERS
    assert rows[1] == ["Şükrü Öztürk", "+49••••678", "2026-03-04 15:30", "3", "9.50", "yes"]
    assert rows[2][0] == '\'=HYPERLINK("http://evil")'
    assert rows[2][1] == "+90••••123"  # a masked phone is not a formula: left as it is
    assert rows[3] == ["Zoë", "", "2026-01-02", "12", "1.5", ""]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("=1+2", "'=1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("\tTAB", "'\tTAB"),
        ("+49••••678", "+49••••678"),
        ("-12.5", "-12.5"),
        ("Anna", "Anna"),
    ],
)
def test_csv_safe(text, expected):
    assert csv_safe(text) == expected


def test_xlsx_has_typed_cells_a_bold_header_and_never_a_formula(tmp_path):
    path = tmp_path / "out.xlsx"

    count = WRITERS["xlsx"](_table(_sample_rows()), path)

    assert count == 3
    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sheet["A1"].font.bold
    assert rows[1] == ("Şükrü Öztürk", "+49••••678", WHEN, 3, 9.5, "yes")
    assert rows[2][0] == '=HYPERLINK("http://evil")'
    assert sheet["A3"].data_type == "s"  # a string cell, not a formula
    assert rows[3][:4] == ("Zoë", None, dt.datetime(2026, 1, 2), 12)
    assert sheet.title == "Customers of Café A"


def test_pdf_repeats_the_header_on_every_page_and_keeps_every_letter(tmp_path):
    # Given more rows than fit on one page
    path = tmp_path / "out.pdf"
    rows = [[f"Gülşen İnce {n}", "+49••••678", WHEN, n, Decimal("1.00"), "yes"] for n in range(90)]

    # When they are written as a PDF
    count = WRITERS["pdf"](_table(rows), path)

    # Then each page starts with the title and the header, and the text is all there
    assert count == 90
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    texts = [page.extract_text() for page in reader.pages]
    for text in texts:
        assert "Customers of Café A" in text
        assert "Name" in text and "Phone" in text and "Consent" in text
    everything = "\n".join(texts)
    for n in (0, 45, 89):
        assert f"Gülşen İnce {n}" in everything
    assert "+49••••678" in everything
    assert "2026-03-04 15:30" in everything
    assert reader.metadata.title == "Customers of Café A"
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape


def test_pdf_cuts_long_cells_and_writes_a_note_when_empty(tmp_path):
    long_name = "Wolfeschlegelsteinhausenbergerdorff " * 6
    path = tmp_path / "long.pdf"
    WRITERS["pdf"](_table([[long_name, "", None, 1, 1, "no"]]), path)
    text = PdfReader(path).pages[0].extract_text()
    assert "…" in text
    assert long_name.strip() not in text

    empty = tmp_path / "empty.pdf"
    assert WRITERS["pdf"](_table([]), empty) == 0
    assert "No rows match these filters." in PdfReader(empty).pages[0].extract_text()


def test_pdf_falls_back_to_the_font_bundled_with_reportlab(tmp_path, monkeypatch):
    monkeypatch.setattr(pdfstream, "_SYSTEM_FONTS", tmp_path / "no-fonts-here")
    path = tmp_path / "vera.pdf"
    WRITERS["pdf"](_table([["Anna Müller", "+49••••678", WHEN, 1, 1, "yes"]]), path)
    text = PdfReader(path).pages[0].extract_text()
    assert "Anna Müller" in text


def _synthetic_rows(n: int):
    """Rows made on the fly, so only the writer's own memory is measured."""
    when = dt.datetime(2026, 1, 1, 12, 0)
    for i in range(n):
        yield [f"Customer {i} Şahin", "+49••••678", when, i % 7, Decimal("12.50"), "yes"]


MEMORY_ROWS = 100_000
MEMORY_LIMIT_BYTES = 50 * 1024 * 1024


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_100000_rows_are_written_in_bounded_memory(tmp_path, fmt):
    # Given a writer and 100,000 rows arriving one by one
    path = tmp_path / f"big.{fmt}"
    table = Table(title="Big", headers=HEADERS, rows=_synthetic_rows(MEMORY_ROWS))

    # When they are written while memory is traced
    tracemalloc.start()
    try:
        count = WRITERS[fmt](table, path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then every row is in the file and the peak stayed far below holding them all
    assert count == MEMORY_ROWS
    assert peak < MEMORY_LIMIT_BYTES, f"{fmt}: peak {peak / 1e6:.1f} MB"
    assert path.stat().st_size > 0
    if fmt == "csv":
        with open(path, encoding="utf-8-sig") as handle:
            assert sum(1 for _ in handle) == MEMORY_ROWS + 1
    if fmt == "pdf":
        reader = PdfReader(path)
        assert "Customer 99999 Şahin" in reader.pages[-1].extract_text()

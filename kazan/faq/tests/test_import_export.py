"""Import from CSV or XLSX: a dry run reports every bad row by its line and saves nothing;
the import saves all rows or none, updates FAQs whose question exists, and stays within the
limit. The export writes the import's columns, so it imports back unchanged."""

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook

from kazan.activity.models import Activity
from kazan.billing.testing import limits_give
from kazan.core.entitlements import PlanLimitReached
from kazan.core.errors import ValidationFailed
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.exports import faq_export
from kazan.faq.models import Faq
from kazan.faq.services import faq_import
from kazan.faq.tests.factories import faq_make

pytestmark = pytest.mark.django_db

HEADER = ["question", "alternatives", "answer", "language", "category", "active"]


def _csv(rows, header=HEADER, delimiter=","):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def _xlsx(rows, header=HEADER):
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(business, content, name="faq.csv", dry_run=True):
    return faq_import(
        business=business, actor=None, file_name=name, content=content, dry_run=dry_run
    )


GOOD = [
    ["Is there wifi?", "Do you have wifi? | Wifi password?", "Yes, ask at the bar.", "en", "", ""],
    ["Gibt es WLAN?", "", "Ja.", "de", "Service", "ja"],
]


def test_the_dry_run_reports_each_bad_row_and_saves_nothing(business):
    rows = [
        *GOOD,
        ["", "", "An answer without a question", "en", "", ""],
        ["Parking?", "", "", "en", "", ""],
        ["Dogs?", "", "Yes.", "fr", "", ""],
        ["Cakes?", "", "Yes.", "en", "", "maybe"],
        ["is there WIFI?", "", "Again.", "en", "", ""],
    ]
    report = _import(business, _csv(rows), dry_run=False)
    assert [line for line, _message in report.errors] == [4, 5, 6, 7, 8]
    messages = dict(report.errors)
    assert messages[4] == "Please write the question."
    assert messages[7] == "Active must be yes or no."
    assert messages[8] == "This question is already in an earlier row."
    assert not report.saved and not Faq.objects.exists()  # all or nothing


def test_a_good_file_imports_all_rows_at_once(business):
    report = _import(business, _csv(GOOD))
    assert report.ok and (report.created, report.updated) == (2, 0)
    assert not Faq.objects.exists()  # a dry run

    report = _import(business, _csv(GOOD), dry_run=False)
    assert report.saved
    wifi = Faq.objects.get(language="en")
    assert wifi.alternatives == ["Do you have wifi?", "Wifi password?"]
    assert Faq.objects.get(language="de").category == "Service"
    assert Activity.objects.get(action="faq.imported").data == {"created": 2, "updated": 0}


def test_a_known_question_updates_its_faq(business):
    faq = faq_make(business, "Is there wifi?", "No.")
    report = _import(business, _csv(GOOD[:1]), dry_run=False)
    assert (report.created, report.updated) == (0, 1)
    faq.refresh_from_db()
    assert faq.answer == "Yes, ask at the bar." and Faq.objects.count() == 1


def test_semicolon_csv_and_xlsx_files_read_the_same(business):
    assert _import(business, _csv(GOOD, delimiter=";")).created == 2
    report = _import(business, _xlsx(GOOD), name="FAQ.XLSX", dry_run=False)
    assert report.saved and Faq.objects.count() == 2


def test_an_import_beyond_the_limit_is_refused_whole(business):
    limits_give(business, faqs=2)
    faq_make(business, "Cakes?")
    report = _import(business, _csv(GOOD), dry_run=False)
    assert not report.saved and "Your plan allows 2 FAQs." in report.errors[0][1]
    assert Faq.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("faq.csv", b""),
        ("faq.csv", b"\xff\xfe\x00bad"),
        ("faq.csv", b"title,text\nA,B\n"),
        ("faq.xlsx", b"not a workbook"),
        ("faq.csv", b"question,answer\n" + b"x" * (2 * 1024 * 1024)),
    ],
)
def test_an_unreadable_file_is_a_clear_error(business, name, content):
    with pytest.raises(ValidationFailed) as caught:
        _import(business, content, name=name)
    assert caught.value.code == FaqErrorCode.INVALID_IMPORT


def test_the_export_imports_back_unchanged(business, other_business):
    faq_make(business, "Is there wifi?", "Yes.", alternatives=["Wifi?", "Internet?"], category="X")
    faq_make(business, "Gibt es WLAN?", "Ja.", language="de", is_active=False)
    faq_make(other_business, "Not theirs?", "No.")

    content, content_type, name = faq_export(business=business, file_format="csv")
    assert content_type.startswith("text/csv") and name.endswith(".csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows == [
        HEADER,
        ["Is there wifi?", "Wifi? | Internet?", "Yes.", "en", "X", "yes"],
        ["Gibt es WLAN?", "", "Ja.", "de", "", "no"],
    ]
    report = _import(business, content, dry_run=False)
    assert (report.created, report.updated) == (0, 2)

    content, _type, name = faq_export(business=business, file_format="xlsx")
    sheet = load_workbook(io.BytesIO(content)).active
    assert [cell.value for cell in sheet[2]][:2] == ["Is there wifi?", "Wifi? | Internet?"]


def test_the_limit_is_also_checked_when_the_import_commits(business, monkeypatch):
    """Rows checked against the limit may meet FAQs added in between: the commit checks again."""
    from kazan.faq.services import imports

    report = imports.faq_import_check(business=business, file_name="f.csv", content=_csv(GOOD))
    monkeypatch.setattr(imports, "faq_import_check", lambda **_kw: report)
    limits_give(business, faqs=1)
    with pytest.raises(PlanLimitReached):
        _import(business, _csv(GOOD), dry_run=False)
    assert not Faq.objects.exists()

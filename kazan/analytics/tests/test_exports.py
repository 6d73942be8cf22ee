"""Console exports end to end below the pages: staff request an export, the background task
builds the file from the report source, the download is recorded, old files expire. The files
are opened (csv, openpyxl, pypdf) and their content checked: masked contacts, the filters,
erased customers and other businesses' customers left out."""

import csv
import datetime as dt
import logging
import os
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.utils import timezone
from pypdf import PdfReader

from kazan.activity.models import Activity
from kazan.analytics import exports, services, tasks
from kazan.analytics.models import DailyCount, EventKind, ExportJob, ExportStatus
from kazan.analytics.services import (
    export_downloaded,
    export_file_path,
    export_request,
    exports_dir,
    exports_expire,
)
from kazan.campaigns.models import Campaign, CampaignRecipient
from kazan.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from kazan.customers.models import Customer
from kazan.customers.phones import phone_index_for
from kazan.customers.tests.factories import CustomerFactory, consent_given, phone_for
from kazan.loyalty.models import Review, Voucher
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import credits_given
from kazan.tenancy.tests.factories import BusinessFactory, UserFactory

pytestmark = pytest.mark.django_db

BERLIN = dt.timezone(timedelta(hours=1))  # Berlin in winter


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def _at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, 1, day, hour, 0, tzinfo=BERLIN)


@pytest.fixture
def people(business, other_business):
    """Anna (consenting, reviewed, two vouchers, got the campaign), Bruno (older), an erased
    customer, and another business's Anna."""
    anna = CustomerFactory(
        business=business,
        name="Anna Schmidt",
        email="anna@example.com",
        first_interaction_at=_at(2, 9),
        last_interaction_at=_at(20, 18),
    )
    bruno = CustomerFactory(
        business=business,
        name="Bruno Weber",
        first_interaction_at=_at(3),
        last_interaction_at=_at(5),
    )
    erased = CustomerFactory(business=business, name="", erased_at=timezone.now())
    stranger = CustomerFactory(business=other_business, name="Anna Fremd")
    consent_given(anna)
    Review.objects.create(business=business, customer=anna, rating=5)
    voucher = {"business": business, "customer": anna, "discount_text": "10 %"}
    expires = timezone.now() + timedelta(days=30)
    Voucher.objects.create(kind="welcome", code="W1", expires_at=expires, **voucher)
    Voucher.objects.create(
        kind="campaign", code="C1", expires_at=expires, redeemed_at=timezone.now(), **voucher
    )
    campaign = Campaign.objects.create(business=business, name="Spring", body="Hello")
    CampaignRecipient.objects.create(business=business, campaign=campaign, customer=anna)
    other_campaign = Campaign.objects.create(business=other_business, name="B", body="Hi")
    return {
        "anna": anna,
        "bruno": bruno,
        "erased": erased,
        "stranger": stranger,
        "campaign": campaign,
        "other_campaign": other_campaign,
    }


def _export(staff, fmt="csv", kind="customers", business=None, **filters) -> ExportJob:
    job = export_request(kind=kind, fmt=fmt, filters=filters, business=business, actor=staff)
    services.export_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE, job.error
    return job


def _csv_rows(job) -> list[list[str]]:
    with open(export_file_path(job), encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def test_customer_csv_masks_contacts_and_counts_reviews_and_vouchers(business, staff_user, people):
    # Given a business with customers, one erased, and another business's customer
    # When staff export its customer list as CSV
    job = _export(staff_user, business=business)

    # Then every active customer of this business is there, most recently active first
    header, *rows = _csv_rows(job)
    assert header == [
        "Name",
        "Phone",
        "Email",
        "Language",
        "First interaction (Europe/Berlin)",
        "Last interaction (Europe/Berlin)",
        "SMS offers",
        "Reviews",
        "Vouchers issued",
        "Vouchers redeemed",
    ]
    assert [row[0] for row in rows] == ["Anna Schmidt", "Bruno Weber"]
    anna = rows[0]
    phone = people["anna"].phone_e164
    # contacts masked, times in the business's zone, counts from subqueries
    assert anna[1] == f"{phone[:3]}••••{phone[-3:]}"
    assert anna[2] == "a•••@example.com"
    assert anna[3:] == ["de", "2026-01-02 09:00", "2026-01-20 18:00", "yes", "1", "2", "1"]
    assert rows[1][6:] == ["no", "0", "0", "0"]
    raw = export_file_path(job).read_text(encoding="utf-8-sig")
    assert phone not in raw and phone[3:] not in raw
    assert "anna@example.com" not in raw
    assert "Anna Fremd" not in raw
    assert job.row_count == 2
    assert job.download_name == f"customers-cafe-a-{timezone.now().date().isoformat()}.csv"


def test_customer_filters_name_date_range_and_campaign(business, staff_user, people):
    def names(**filters):
        return [row[0] for row in _csv_rows(_export(staff_user, business=business, **filters))[1:]]

    # name: part of it, any case; never another business's customer of the same name
    assert names(name="anna") == ["Anna Schmidt"]
    # an exact phone number finds its customer too (contacts are encrypted: no partial match)
    assert names(name=people["bruno"].phone_e164) == ["Bruno Weber"]
    # date range: last interaction, both local days included
    assert names(since="2026-01-05", until="2026-01-05") == ["Bruno Weber"]
    assert names(since="2026-01-06") == ["Anna Schmidt"]
    assert names(until="2026-01-19") == ["Bruno Weber"]
    # campaign: only the customers it was sent to
    assert names(campaign=people["campaign"].pk) == ["Anna Schmidt"]
    assert names(name="zzz") == []


def test_customer_xlsx_and_pdf_hold_the_same_masked_list(business, staff_user, people):
    phone = people["anna"].phone_e164

    xlsx = _export(staff_user, fmt="xlsx", business=business)
    sheet = openpyxl.load_workbook(export_file_path(xlsx), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:3] == ("Anna Schmidt", f"{phone[:3]}••••{phone[-3:]}", "a•••@example.com")
    assert rows[1][4] == dt.datetime(2026, 1, 2, 9, 0)
    assert rows[1][6:] == ("yes", 1, 2, 1)
    assert len(rows) == 3
    assert xlsx.download_name.endswith(".xlsx")

    pdf = _export(staff_user, fmt="pdf", business=business)
    text = "\n".join(page.extract_text() for page in PdfReader(export_file_path(pdf)).pages)
    assert "Customers of Café A" in text
    assert "Anna Schmidt" in text and "Bruno Weber" in text
    assert f"{phone[:3]}••••{phone[-3:]}" in text
    assert phone not in text and "Anna Fremd" not in text


def test_each_step_is_in_the_activity_log_without_the_name_typed(business, staff_user, people):
    job = _export(staff_user, business=business, name="Anna", since="2026-01-01")
    export_downloaded(job=job, actor=staff_user)

    entries = Activity.objects.filter(target_type="analytics.exportjob", target_id=str(job.pk))
    by_action = {entry.action: entry for entry in entries}
    assert set(by_action) == {"export.requested", "export.completed", "export.downloaded"}
    requested = by_action["export.requested"]
    assert requested.business == business
    assert requested.actor == staff_user and requested.actor_kind == "staff"
    assert requested.data == {
        "kind": "customers",
        "format": "csv",
        "filters": ["name", "since"],
        "origin": "console",
    }
    assert by_action["export.completed"].data["rows"] == 1
    assert by_action["export.completed"].actor_kind == "system"
    assert by_action["export.downloaded"].actor == staff_user
    assert "Anna" not in str([entry.data for entry in entries])
    job.refresh_from_db()
    assert job.download_count == 1 and job.downloaded_at is not None


def test_the_request_enqueues_the_build_on_commit(
    business, staff_user, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = export_request(kind="customers", fmt="csv", business=business, actor=staff_user)
    assert job.status == ExportStatus.QUEUED
    tasks_run_all()
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.row_count == 2
    # a second run of the same task (a redelivery) does nothing
    assert services.export_run(job_id=job.pk) == "skipped"


def test_only_staff_may_export_or_download(business, owner, staff_user, people):
    with pytest.raises(PermissionDenied):
        export_request(kind="customers", fmt="csv", business=business, actor=owner)
    with pytest.raises(PermissionDenied):
        export_request(kind="businesses", fmt="csv", actor=None)
    inactive = UserFactory(is_staff=True, is_active=False)
    with pytest.raises(PermissionDenied):
        export_request(kind="businesses", fmt="csv", actor=inactive)
    job = _export(staff_user, business=business)
    with pytest.raises(PermissionDenied):
        export_downloaded(job=job, actor=owner)
    # another staff member may see the job but not take its file
    with pytest.raises(NotFound):
        export_downloaded(job=job, actor=UserFactory(is_staff=True))
    assert not ExportJob.objects.filter(requested_by=owner).exists()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "nope"}, "Unknown kind of export."),
        ({"fmt": "docx"}, "Unknown file format"),
        ({"business": None}, "Choose the business whose customers to export."),
        ({"filters": {"since": "01.02.2026"}}, "From date is not a date (use YYYY-MM-DD)."),
        ({"filters": {"since": "0001-01-01"}}, "From date is out of range."),
        (
            {"filters": {"since": "2026-02-01", "until": "2026-01-01"}},
            "The start date must be before the end date.",
        ),
        ({"filters": {"campaign": "abc"}}, "Campaign must be a positive number."),
        ({"filters": {"action": "x"}}, "These filters do not apply to this export: Action."),
        ({"filters": {"name": "x" * 121}}, "The name filter is too long"),
    ],
)
def test_bad_requests_get_a_clear_message(business, staff_user, kwargs, message):
    arguments = {"kind": "customers", "fmt": "csv", "business": business, "filters": {}}
    arguments.update(kwargs)
    with pytest.raises(ValidationFailed) as error:
        export_request(actor=staff_user, **arguments)
    assert message in str(error.value.message)
    assert not ExportJob.objects.exists()


def test_another_business_campaign_is_refused(business, staff_user, people):
    with pytest.raises(ValidationFailed) as error:
        export_request(
            kind="customers",
            fmt="csv",
            business=business,
            filters={"campaign": people["other_campaign"].pk},
            actor=staff_user,
        )
    assert error.value.code == "invalid_campaign"


def test_platform_reports_take_no_business(business, staff_user):
    with pytest.raises(ValidationFailed) as error:
        export_request(kind="businesses", fmt="csv", business=business, actor=staff_user)
    assert "leave the business empty" in str(error.value.message)


def test_a_staff_member_has_at_most_three_exports_waiting(staff_user):
    for _ in range(services.EXPORT_PENDING_LIMIT):
        export_request(kind="businesses", fmt="csv", actor=staff_user)
    with pytest.raises(RateLimited):
        export_request(kind="businesses", fmt="csv", actor=staff_user)
    # a colleague is not held up
    export_request(kind="businesses", fmt="csv", actor=UserFactory(is_staff=True))


def test_a_failed_build_is_reported_without_personal_data(
    business, staff_user, people, monkeypatch, caplog
):
    # Given a writer that breaks with a message quoting a customer
    def broken(table, path):
        for row in table.rows:
            raise RuntimeError(f"cannot write {row[0]}")
        return 0

    monkeypatch.setitem(exports.WRITERS, "csv", broken)
    job = export_request(kind="customers", fmt="csv", business=business, actor=staff_user)

    # When the task runs
    with caplog.at_level(logging.INFO):
        assert services.export_run(job_id=job.pk) == ExportStatus.FAILED

    # Then the job says it failed, the log names the error class only, no file is left
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "failed" in job.error
    assert "Anna" not in caplog.text and "RuntimeError" in caplog.text
    failed = Activity.objects.get(action="export.failed")
    assert failed.data == {"kind": "customers", "format": "csv", "error": "RuntimeError"}
    assert list(exports_dir().iterdir()) == []
    assert export_file_path(job) is None


def test_activity_export_filters_by_business_actor_action_and_days(
    business, other_business, owner, staff_user
):
    from kazan.activity.services import activity_record

    activity_record(business=business, actor=owner, action="customer.erased", data={"n": 1})
    activity_record(business=other_business, actor=None, action="customer.erased")
    activity_record(business=None, actor=staff_user, action="console.settings_edited")
    old = activity_record(business=business, actor=owner, action="campaign.scheduled")
    Activity.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=40))

    everything = _csv_rows(_export(staff_user, kind="activity"))
    assert everything[0] == ["Time (UTC)", "Business", "Who", "Type", "What happened"]
    types = [row[3] for row in everything[1:]]
    assert types.count("Customer erased") == 2 and "Campaign scheduled" in types

    rows = _csv_rows(
        _export(staff_user, kind="activity", business=business, action="customer", actor=owner.pk)
    )[1:]
    assert len(rows) == 1
    assert rows[0][1:4] == ["Café A", str(owner), "Customer erased"]
    assert rows[0][4].startswith(f"{owner} erased the personal data of")
    assert owner.email not in "".join(rows[0])

    today = timezone.now().date().isoformat()
    recent = _csv_rows(_export(staff_user, kind="activity", since=today, actor_kind="staff"))[1:]
    assert {row[3] for row in recent} == {"Console settings changed", "Export requested"}


def test_businesses_report_counts_customers_scans_chats_forms_and_credits(
    business, other_business, staff_user
):
    CustomerFactory.create_batch(3, business=business)
    CustomerFactory(business=business, erased_at=timezone.now())
    today = timezone.now().date()
    DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=today, count=5)
    DailyCount.objects.create(
        business=business, kind=EventKind.QR_SCAN, day=today - timedelta(days=29), count=2
    )
    DailyCount.objects.create(
        business=business, kind=EventKind.QR_SCAN, day=today - timedelta(days=30), count=100
    )
    DailyCount.objects.create(business=business, kind=EventKind.PAGE_VIEW, day=today, count=50)
    DailyCount.objects.create(business=business, kind=EventKind.CHAT_STARTED, day=today, count=6)
    DailyCount.objects.create(
        business=business, kind=EventKind.FORM_SUBMITTED, day=today - timedelta(days=3), count=2
    )
    DailyCount.objects.create(
        business=business, kind=EventKind.CHAT_STARTED, day=today - timedelta(days=31), count=90
    )
    credits_given(business, 40)

    header, *rows = _csv_rows(_export(staff_user, kind="businesses"))

    assert header[0] == "Address" and header[-1] == "SMS credits left"
    by_slug = {row[0]: row for row in rows}
    assert by_slug["cafe-a"][1:] == [
        "Café A",
        "Active",
        "DE",
        today.isoformat(),
        "3",
        "7",
        "6",
        "2",
        "40",
    ]
    assert by_slug["shop-b"][5:] == ["0", "0", "0", "0", "0"]


def test_businesses_report_is_one_query(staff_user, django_assert_max_num_queries):
    for n in range(5):
        CustomerFactory(business=BusinessFactory(slug=f"shop-{n}"))
    table = exports.table_for(kind="businesses", business=None, filters={})
    with django_assert_max_num_queries(1):
        assert len(list(table.rows)) == 5


def test_customers_source_reads_in_one_query(business, people, django_assert_max_num_queries):
    table = exports.table_for(kind="customers", business=business, filters={})
    with django_assert_max_num_queries(1):
        assert len(list(table.rows)) == 2


def test_revenue_report_comes_from_billing(business, staff_user):
    from kazan.billing.tests.factories import payment_at

    payment_at(business=business, created_at=dt.datetime(2026, 3, 3, 10, tzinfo=dt.UTC))
    payment_at(business=business, created_at=dt.datetime(2026, 5, 3, 10, tzinfo=dt.UTC))

    header, *rows = _csv_rows(
        _export(staff_user, kind="revenue", since="2026-03-01", until="2026-03-31")
    )

    assert header[:3] == ["Created", "Paid", "Business"]
    assert len(rows) == 1
    assert rows[0][:4] == ["2026-03-03", "2026-03-03", "Café A", "cafe-a"]
    assert "9.00" in rows[0]


def test_old_exports_and_stray_files_are_deleted(business, staff_user, people):
    # Given a finished export, a crashed run's leftover and a fresh export
    job = _export(staff_user, business=business)
    path = export_file_path(job)
    stray = exports_dir() / ".99-0000000000000000.csv.part"
    stray.write_text("half")
    week_ago = timezone.now() - timedelta(days=8)
    os.utime(stray, (week_ago.timestamp(), week_ago.timestamp()))
    ExportJob.objects.filter(pk=job.pk).update(created_at=week_ago)
    fresh = _export(staff_user, business=business)

    # When the daily job runs
    assert exports_expire() == 1

    # Then the old file and the leftover are gone, the fresh export stays
    job.refresh_from_db()
    assert job.status == ExportStatus.EXPIRED and job.file_name == ""
    assert not path.exists() and not stray.exists()
    assert export_file_path(fresh) is not None
    assert exports_expire() == 0  # safe to run again
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        assert tasks.exports_expire.call() == 1  # the daily cron task


def test_a_tampered_file_name_never_leaves_the_exports_directory(business, staff_user, people):
    job = _export(staff_user, business=business)
    ExportJob.objects.filter(pk=job.pk).update(file_name="../../secret_key")
    job.refresh_from_db()
    assert export_file_path(job) is None


def test_two_thousand_customers_end_to_end(business, other_business, staff_user):
    # Given 2,000 customers created in bulk (phones encrypted by the field) and a few elsewhere
    now = timezone.now()
    customers = [
        Customer(
            business=business,
            name=f"Kunde {n:04d}",
            phone_e164=phone_for(10_000 + n),
            phone_index=phone_index_for(phone_for(10_000 + n)),
            language="de",
            first_interaction_at=now - timedelta(days=n % 90),
            last_interaction_at=now - timedelta(minutes=n),
        )
        for n in range(2000)
    ]
    Customer.objects.bulk_create(customers, batch_size=500)
    CustomerFactory.create_batch(5, business=other_business)

    # When staff export them in each format
    rows = _csv_rows(_export(staff_user, business=business))
    xlsx = _export(staff_user, fmt="xlsx", business=business)
    pdf = _export(staff_user, fmt="pdf", business=business)

    # Then all 2,000 are there, in order, masked, and no one else
    assert len(rows) == 2001
    assert rows[1][0] == "Kunde 0000" and rows[-1][0] == "Kunde 1999"
    assert all(row[1].startswith("+49••••") for row in rows[1:])
    sheet = openpyxl.load_workbook(export_file_path(xlsx), read_only=True).active
    assert sheet.max_row == 2001
    reader = PdfReader(export_file_path(pdf))
    assert pdf.row_count == 2000 and len(reader.pages) > 40
    assert "Kunde 1999" in reader.pages[-1].extract_text()


def _pdf_headers(path) -> list[str]:
    """The column headers of a PDF export's first page, each put back together from its lines:
    the bold 7.5 pt text above the first row, grouped by the column it starts in."""
    columns: dict[float, list[tuple[float, str]]] = {}

    def visit(text, cm, tm, font, size):
        if text.strip() and size == exports.PDF_FONT_SIZE and "Bold" in str(font["/BaseFont"]):
            columns.setdefault(round(tm[4], 1), []).append((tm[5], text))

    PdfReader(path).pages[0].extract_text(visitor_text=visit)
    headers = []
    for _x, parts in sorted(columns.items()):
        header = ""
        for _y, text in sorted(parts, key=lambda part: -part[0]):
            glue = "" if not header or header.endswith("-") else " "
            header += glue + text.strip()
        headers.append(header)
    return headers


@pytest.mark.parametrize("language", ["en", "de"])
def test_pdf_headers_are_complete_however_narrow_the_column(business, staff_user, people, language):
    # Given the customer list and the businesses report, whose headers are longer than their
    # columns (in German even more so: "Eingelöste Gutscheine")
    from django.utils import translation

    for kind, named in (("customers", business), ("businesses", None)):
        # When staff export them as PDF in their language
        with translation.override(language):
            job = _export(staff_user, fmt="pdf", kind=kind, business=named)
            expected = [
                str(header)
                for header in exports.table_for(kind=kind, business=named, filters={}).headers
            ]

        # Then every header is there in full, wrapped over lines rather than cut
        assert _pdf_headers(export_file_path(job)) == expected
        assert "…" not in "".join(_pdf_headers(export_file_path(job)))

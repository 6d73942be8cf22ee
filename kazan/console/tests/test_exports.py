"""The console's export pages: staff request an export, watch it (htmx polling), download it;
business teams get a 404 everywhere; bad input is a 400 with a message, never a 500."""

import csv
import io
import re

import pytest
from django.test import Client
from django.utils import timezone

from kazan.accounts.tests.staff import staff_sign_in
from kazan.activity.models import Activity
from kazan.analytics.models import ExportJob, ExportStatus
from kazan.analytics.services import export_request
from kazan.campaigns.models import Campaign
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


@pytest.fixture
def staff_client(client, staff_user):
    staff_sign_in(client, staff_user)
    return client


@pytest.fixture
def customers(business, other_business):
    CustomerFactory(business=business, name="Anna Schmidt", email="anna@example.com")
    CustomerFactory(business=business, name="Bruno Weber")
    CustomerFactory(business=other_business, name="Clara Other")


def _request(client, capture, **data):
    with capture(execute=True):
        return client.post("/console/exports/", data)


def _ready_job(client, capture, **data) -> ExportJob:
    response = _request(client, capture, **data)
    assert response.status_code == 302, response.content.decode()[:2000]
    tasks_run_all()
    job = ExportJob.objects.latest("pk")
    assert response["Location"] == f"/console/exports/{job.pk}/"
    return job


def test_staff_request_watch_and_download_a_customer_list(
    staff_client, staff_user, business, customers, django_capture_on_commit_callbacks
):
    # Given the exports page
    page = staff_client.get("/console/exports/")
    assert page.status_code == 200
    assert 'name="kind"' in page.content.decode()

    # When staff ask for the customer list of Café A as CSV
    response = _request(
        staff_client,
        django_capture_on_commit_callbacks,
        kind="customers",
        format="csv",
        business="cafe-a",
    )

    # Then they land on its page, which polls itself while the file is being prepared
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/console/exports/{job.pk}/"
    waiting = staff_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting
    assert f'hx-get="/console/exports/{job.pk}/"' in waiting

    # When the worker has built it, the polled box (an htmx request) shows the link, no polling
    tasks_run_all()
    box = staff_client.get(f"/console/exports/{job.pk}/", headers={"HX-Request": "true"})
    html = box.content.decode()
    assert "<html" not in html  # the partial only
    assert "hx-trigger" not in html
    assert f"/console/exports/{job.pk}/download/" in html
    assert "2 rows" in html

    # And the download streams the file as an attachment with a telling name
    download = staff_client.get(f"/console/exports/{job.pk}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.now().date().isoformat()
    assert download["Content-Disposition"] == (
        f'attachment; filename="customers-cafe-a-{today}.csv"'
    )
    assert download["Cache-Control"] == "private, no-store"
    body = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert sorted(row[0] for row in rows[1:]) == ["Anna Schmidt", "Bruno Weber"]
    assert "anna@example.com" not in body and "Clara Other" not in body
    assert all("••••" in row[1] for row in rows[1:])

    # And the log has the request, the completion and the download
    actions = list(
        Activity.objects.filter(target_id=str(job.pk), target_type="analytics.exportjob")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["export.requested", "export.completed", "export.downloaded"]
    job.refresh_from_db()
    assert job.download_count == 1


def test_the_list_shows_recent_jobs(
    staff_client, business, customers, django_capture_on_commit_callbacks
):
    job = _ready_job(
        staff_client, django_capture_on_commit_callbacks, kind="businesses", format="xlsx"
    )
    html = staff_client.get("/console/exports/").content.decode()
    assert f'data-export="{job.pk}" data-status="done"' in html


@pytest.mark.parametrize("fmt", ["xlsx", "pdf"])
def test_excel_and_pdf_downloads_have_their_content_type(
    staff_client, business, customers, django_capture_on_commit_callbacks, fmt
):
    job = _ready_job(
        staff_client,
        django_capture_on_commit_callbacks,
        kind="customers",
        format=fmt,
        business=str(business.pk),
    )
    download = staff_client.get(f"/console/exports/{job.pk}/download/")
    expected = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }[fmt]
    assert download["Content-Type"] == expected
    assert download["Content-Disposition"].endswith(f'.{fmt}"')
    content = b"".join(download.streaming_content)
    assert content.startswith(b"PK" if fmt == "xlsx" else b"%PDF")


def _routes(job_id: int) -> list[str]:
    return [
        "/console/exports/",
        f"/console/exports/{job_id}/",
        f"/console/exports/{job_id}/download/",
    ]


def test_business_owners_get_404_on_every_export_route(
    owner_client, staff_user, business, customers
):
    # Given a finished export of the owner's own business
    job = export_request(kind="customers", fmt="csv", business=business, actor=staff_user)
    from kazan.analytics.services import export_run

    export_run(job_id=job.pk)

    # Then its owner can neither see nor download it, nor ask for one
    for url in _routes(job.pk):
        assert owner_client.get(url).status_code == 404, url
    response = owner_client.post(
        "/console/exports/", {"kind": "customers", "format": "csv", "business": "cafe-a"}
    )
    assert response.status_code == 404
    assert ExportJob.objects.count() == 1
    assert not Activity.objects.filter(action="export.downloaded").exists()


def test_anonymous_visitors_are_sent_to_sign_in(staff_user, business):
    job = export_request(kind="businesses", fmt="csv", actor=staff_user)
    for url in _routes(job.pk):
        response = Client().get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_another_staff_member_sees_the_job_but_cannot_take_its_file(
    staff_user, business, customers
):
    from kazan.analytics.services import export_run

    job = export_request(kind="customers", fmt="csv", business=business, actor=staff_user)
    export_run(job_id=job.pk)
    colleague = Client()
    staff_sign_in(colleague, UserFactory(is_staff=True))

    detail = colleague.get(f"/console/exports/{job.pk}/")
    assert detail.status_code == 200
    assert "Only the person who asked for this export can download it." in detail.content.decode()
    assert colleague.get(f"/console/exports/{job.pk}/download/").status_code == 404
    # a superuser may
    boss = Client()
    staff_sign_in(boss, UserFactory(is_staff=True, is_superuser=True))
    assert boss.get(f"/console/exports/{job.pk}/download/").status_code == 200


def test_the_file_is_not_reachable_under_media(staff_client, staff_user, business, customers):
    from kazan.analytics.services import export_run

    job = export_request(kind="customers", fmt="csv", business=business, actor=staff_user)
    export_run(job_id=job.pk)
    job.refresh_from_db()
    for url in (f"/media/{job.file_name}", f"/media/exports/{job.file_name}"):
        assert staff_client.get(url).status_code == 404


def test_missing_and_unready_jobs_have_no_download(staff_client, staff_user):
    assert staff_client.get("/console/exports/999999/").status_code == 404
    assert staff_client.get("/console/exports/999999/download/").status_code == 404
    # a download link followed too early shows the page that waits for the file
    queued = export_request(kind="businesses", fmt="csv", actor=staff_user)
    early = staff_client.get(f"/console/exports/{queued.pk}/download/")
    assert early.status_code == 200
    assert early["Content-Type"].startswith("text/html")
    assert 'hx-trigger="every 2s"' in early.content.decode()
    # a failed one says why, and is gone
    ExportJob.objects.filter(pk=queued.pk).update(status=ExportStatus.FAILED, error="Broken.")
    html = staff_client.get(f"/console/exports/{queued.pk}/").content.decode()
    assert "Broken." in html and "hx-trigger" not in html
    assert staff_client.get(f"/console/exports/{queued.pk}/download/").status_code == 410
    # an expired one says it was deleted
    ExportJob.objects.filter(pk=queued.pk).update(status=ExportStatus.EXPIRED)
    html = staff_client.get(f"/console/exports/{queued.pk}/").content.decode()
    assert "This export was deleted: exports are kept for 7 days." in html
    assert not Activity.objects.filter(action="export.downloaded").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "customers", "format": "csv"}, "Choose the business whose customers to export."),
        ({"kind": "customers", "format": "csv", "business": "no-such-shop"}, "No business has"),
        ({"kind": "customers", "format": "doc", "business": "cafe-a"}, "Select a valid choice"),
        ({"kind": "poems", "format": "csv"}, "Select a valid choice"),
        (
            {"kind": "customers", "format": "csv", "business": "cafe-a", "since": "31.12.2026"},
            "Enter a valid date",
        ),
        (
            {"kind": "activity", "format": "csv", "since": "2026-03-02", "until": "2026-03-01"},
            "The start date must be before the end date.",
        ),
        (
            {"kind": "activity", "format": "csv", "since": "9999-12-31"},
            "Ensure this value is less than or equal to",
        ),
        (
            {"kind": "businesses", "format": "pdf", "business": "cafe-a"},
            "This report covers every business; leave the business empty.",
        ),
        (
            {"kind": "businesses", "format": "csv", "name": "Anna"},
            "These filters do not apply to this export",
        ),
        (
            {"kind": "customers", "format": "csv", "business": "cafe-a", "campaign": "999999"},
            "This business has no campaign with this id.",
        ),
        ({"kind": "activity", "format": "csv", "actor": "nobody@example.com"}, "No account has"),
    ],
)
def test_bad_input_is_a_400_with_a_message(staff_client, business, data, message):
    response = staff_client.post("/console/exports/", data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ExportJob.objects.exists()


def test_a_prefilled_link_from_the_business_page(staff_client, business, other_business):
    campaign = Campaign.objects.create(business=business, name="Spring offer", body="Hi")
    Campaign.objects.create(business=other_business, name="Not this one", body="Hi")

    html = staff_client.get(
        f"/console/exports/?kind=customers&business={business.pk}&format=xlsx"
    ).content.decode()

    assert re.search(r'<option value="customers" selected>', html)
    assert re.search(r'<option value="xlsx" selected>', html)
    assert f'value="{business.pk}"' in html
    # the business's campaigns are offered by name, another business's are not
    assert f'<option value="{campaign.pk}">Spring offer' in html
    assert "Not this one" not in html


def test_a_prefilled_link_from_the_activity_log(
    staff_client, staff_user, owner, business, django_capture_on_commit_callbacks
):
    # The activity log links with its own filters: business address, person's email, type…
    html = staff_client.get(
        f"/console/exports/?kind=activity&business=cafe-a&actor={owner.email}"
        "&actor_kind=user&action=customer&since=2026-01-01"
    ).content.decode()
    assert 'value="cafe-a"' in html and f'value="{owner.email}"' in html
    assert 'value="customer"' in html and 'value="2026-01-01"' in html

    # and posting that form asks for exactly that export
    job = _ready_job(
        staff_client,
        django_capture_on_commit_callbacks,
        kind="activity",
        format="csv",
        business="cafe-a",
        actor=owner.email,
        actor_kind="user",
        action="customer",
        since="2026-01-01",
    )
    assert job.business == business
    assert job.filters == {
        "actor": owner.pk,
        "actor_kind": "user",
        "action": "customer",
        "since": "2026-01-01",
    }
    assert job.status == ExportStatus.DONE


def test_too_many_waiting_exports_are_refused_politely(staff_client, staff_user):
    for _ in range(3):
        export_request(kind="businesses", fmt="csv", actor=staff_user)
    response = staff_client.post("/console/exports/", {"kind": "businesses", "format": "csv"})
    assert response.status_code == 429
    assert "still being prepared" in response.content.decode()

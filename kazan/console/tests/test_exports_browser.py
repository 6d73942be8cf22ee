"""In a real browser (strict CSP, htmx): staff ask for an export, the status box polls itself
until the worker has built the file, and the download link hands over the file."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.accounts.tests.staff import totp_turn_on
from kazan.analytics.models import ExportJob, ExportStatus
from kazan.customers.tests.factories import CustomerFactory
from kazan.messaging.testing import tasks_run_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _exports_dir(settings, tmp_path):
    settings.EXPORTS_DIR = tmp_path / "exports"


def test_request_wait_and_download_in_the_browser(live_server, page, business, staff_user):
    CustomerFactory.create_batch(3, business=business)
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    # Given the business page's link, which prefills the form
    browser_sign_in(
        page,
        f"{live_server.url}/console/exports/?kind=customers&business={business.pk}&format=xlsx",
        staff_user.email,
        totp=totp_turn_on(staff_user),
    )
    assert page.input_value("select[name=format]") == "xlsx"

    # When staff submit it, they see the export waiting
    page.click("#export-form button[type=submit]")
    page.wait_for_selector("#export-status[data-status=queued]")
    job = ExportJob.objects.get()

    # And once the worker has built it, the polling box shows the download link by itself
    tasks_run_all()
    link = page.wait_for_selector(
        "#export-status[data-status=done] a[data-download]", timeout=10_000
    )
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("customers-cafe-a-")
    assert download.suggested_filename.endswith(".xlsx")
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE and job.download_count == 1
    # And the list of exports shows it as ready
    page.goto(f"{live_server.url}/console/exports/")
    assert page.get_attribute(f"tr[data-export='{job.pk}']", "data-status") == "done"
    assert problems == []

"""The issue's end-to-end path on `make run`'s demo data, in Debian's chromium: platform staff
sign in with the printed login and two-factor code, filter the activity log, and download it as
an export prepared in the background. No third-party request (the `page` fixture fails on any)."""

import csv
import io
from pathlib import Path

import pyotp
import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.activity.models import Activity
from kazan.demo.services import STAFF_EMAIL, STAFF_PASSWORD, demo_load
from kazan.messaging.testing import tasks_run_all

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_filter_the_activity_log_and_download_it(live_server, page, consent_wordings):
    staff_login = demo_load()[0]
    console = f"{live_server.url}/console/"

    # The printed login, with the code of the printed two-factor key (mandatory for staff)
    browser_sign_in(
        page, console, STAFF_EMAIL, STAFF_PASSWORD, totp=pyotp.TOTP(staff_login.totp_secret)
    )
    page.get_by_role("heading", name="Platform overview").wait_for()
    assert page.locator('[data-stat="businesses-suspended"]').inner_text() == "1"

    page.click("nav >> text=Activity log")
    page.select_option("#activity-filters select[name=action]", "business.suspended")
    page.click("#activity-filters button")
    page.wait_for_url("**action=business.suspended**")
    shown = page.locator("#activity-table tbody tr[data-action]")
    assert shown.count() == 1
    assert "Cafè del Born" in shown.first.inner_text()

    page.click("[data-export-activity]")
    page.wait_for_url("**/console/exports/?**")
    assert page.input_value("#export-form [name=action]") == "business.suspended"
    page.select_option("#export-form [name=format]", "csv")
    page.click("#export-form button[type=submit]")
    page.wait_for_url("**/console/exports/*/")
    page.locator("#export-status").wait_for()
    assert "Business suspended" in page.inner_text("main")  # the type by its name

    tasks_run_all(sweep=False)  # the worker prepares the file; the page polls until it is done
    download_link = page.locator("[data-download]")
    download_link.wait_for(timeout=20_000)
    with page.expect_download() as info:
        download_link.click()
    text = Path(info.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    body = [row for row in rows[1:] if row]
    assert len(body) == 1
    assert "Business suspended" in body[0]  # the type as people read it, not its code
    assert any("Cafè del Born" in cell or "barcelona-cafe" in cell for cell in body[0])
    assert Activity.objects.filter(action="export.downloaded").count() == 1

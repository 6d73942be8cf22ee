"""The activity log's business picker and date inputs in Debian's chromium: typing part of a
name asks the server for suggestions (htmx fills the <datalist>), picking one or submitting the
typed name filters the log, and the dates are the browser's own date inputs."""

import datetime as dt

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.accounts.tests.staff import totp_turn_on
from kazan.activity.services import activity_record
from kazan.tenancy.tests.factories import BusinessFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_pick_a_business_by_name_and_a_day_with_the_date_input(live_server, page):
    # Given many businesses, two with activity
    staff = UserFactory(is_staff=True)
    for n in range(40):
        BusinessFactory(slug=f"shop-{n:02d}", name=f"Shop {n:02d}")
    sonne = BusinessFactory(slug="baeckerei-sonne", name="Bäckerei Sonne")
    mond = BusinessFactory(slug="cafe-mond", name="Café Mond")
    activity_record(business=sonne, actor=None, action="customer.erased")
    activity_record(business=mond, actor=None, action="campaign.cancelled")
    url = f"{live_server.url}/console/activity/"
    browser_sign_in(page, url, staff.email, totp=totp_turn_on(staff))

    # When they type part of a name, the picker suggests the matching businesses by name
    picker = page.locator("#activity-filters input[name=business]")
    picker.press_sequentially("sonn", delay=30)
    option = page.locator('#business-options option[value="baeckerei-sonne"]')
    option.wait_for(state="attached")
    assert option.inner_text() == "Bäckerei Sonne"
    assert page.locator("#business-options option").count() == 1

    # and picking it (the browser puts its address in the field) filters the log
    picker.fill("baeckerei-sonne")
    page.click("#activity-filters button")
    page.wait_for_url("**business=baeckerei-sonne**")
    rows = page.locator("#activity-table tbody tr[data-action]")
    assert rows.count() == 1 and rows.first.get_attribute("data-action") == "customer.erased"

    # A name typed in full and submitted without picking works too
    picker.fill("Café Mond")
    page.click("#activity-filters button")
    page.wait_for_url("**business=Caf**")
    assert rows.count() == 1 and rows.first.get_attribute("data-action") == "campaign.cancelled"

    # The days are the browser's date inputs; a day in the future leaves nothing
    since = page.locator("#activity-filters input[name=since]")
    assert since.get_attribute("type") == "date"
    since.fill((dt.date.today() + dt.timedelta(days=2)).isoformat())
    page.click("#activity-filters button")
    page.wait_for_url("**since=**")
    assert rows.count() == 0
    assert page.locator("#activity-table").inner_text().count("No entries.") == 1

"""In a real browser: an owner signs in, reads the overview, finds a customer and opens them."""

import re

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_signs_in_and_works_with_customers(live_server, page, business, consent_wordings):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    # Names that cannot match the search below (Faker's random names sometimes held "anna").
    for name in ("Ben Weber", "Cem Yilmaz", "Dora Rossi"):
        CustomerFactory(business=business, name=name)
    anna = CustomerFactory(business=business, name="Anna Beispiel", phone_e164="+4915112399999")
    consent_given(anna)

    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)

    assert page.locator("[data-stat=customers]").inner_text() == "4"
    # the trend chart is drawn by the vendored Chart.js and switches to months
    page.wait_for_function("window.Chart && Chart.getChart('overview-chart')")
    assert page.evaluate("Chart.getChart('overview-chart').data.labels.length") == 30
    page.click("[data-period=month]")
    assert page.evaluate("Chart.getChart('overview-chart').data.labels.length") == 12
    assert page.get_attribute("[data-period=month]", "aria-pressed") == "true"
    page.click("nav >> text=Customers")
    page.fill("input[name=q]", "Anna")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Anna"))
    rows = page.locator("tbody tr")
    assert rows.count() == 1
    rows.first.locator("a").first.click()
    page.wait_for_url("**/dashboard/customers/*/")
    detail = page.locator("main").inner_text()
    assert "Anna Beispiel" in detail
    assert "+4915112399999" not in detail  # the phone is masked


def test_the_website_chat_chart_is_drawn_and_follows_the_period(live_server, page, business):
    from kazan.analytics.enums import WIDGET_EVENT_KINDS
    from kazan.analytics.models import EventKind
    from kazan.analytics.services import event_count

    owner = MembershipFactory(business=business, role=Role.OWNER).user
    for _ in range(3):
        event_count(business=business, kind=EventKind.CHAT_STARTED)
    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)

    assert page.locator("[data-stat=chat-chat_started]").inner_text() == "3"
    page.wait_for_function("window.Chart && Chart.getChart('chat-chart')")
    chart = "Chart.getChart('chat-chart').data"
    assert page.evaluate(f"{chart}.datasets.length") == len(WIDGET_EVENT_KINDS)
    assert page.evaluate(f"{chart}.datasets[0].data.at(-1)") == 3
    page.click("[data-chat-period='7']")
    page.wait_for_url(re.compile(r"chat=7"))
    page.wait_for_function("window.Chart && Chart.getChart('chat-chart')")
    assert page.evaluate(f"{chart}.labels.length") == 7
    assert page.get_attribute("[data-chat-period='7']", "aria-current") == "true"
    # the trend chart above still works beside it
    assert page.evaluate("Chart.getChart('overview-chart').data.labels.length") == 30


GERMAN_MONTHS = "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember"


def test_overview_in_german_shows_german_numbers_and_chart_dates(live_server, page, business):
    """A member reading German sees German grouping and dates, whatever the business's own
    language, and the chart's axis is labelled the German way, the running month "bis heute"."""
    from kazan.analytics.models import DailyCount, EventKind
    from kazan.analytics.queries import business_today

    business.language = "en"
    business.save()
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    DailyCount.objects.create(
        business=business, kind=EventKind.QR_SCAN, day=business_today(business=business), count=1561
    )
    # The member chose German (Django's language cookie); the browser itself reads English.
    page.context.add_cookies([{"name": "django_language", "value": "de", "url": live_server.url}])
    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)

    assert page.locator("[data-stat=month-qr_scan]").inner_text() == "1.561"
    assert re.search(
        rf"\((?:{GERMAN_MONTHS}) \d{{4}}\)", page.locator("#month-heading").inner_text()
    )
    page.wait_for_function("window.Chart && Chart.getChart('overview-chart')")
    ticks = page.evaluate("Chart.getChart('overview-chart').scales.x.ticks.map(t => t.label)")
    assert ticks and all(re.fullmatch(r"\d{2}\.\d{2}\.\d{4}", tick) for tick in ticks), ticks
    y_ticks = page.evaluate("Chart.getChart('overview-chart').scales.y.ticks.map(t => t.label)")
    # the page's grouping, though the browser itself reads English
    assert any(re.fullmatch(r"1\.\d{3}", tick) for tick in y_ticks), y_ticks
    assert not any("," in tick for tick in y_ticks), y_ticks
    page.click("[data-period=month]")
    page.wait_for_function("Chart.getChart('overview-chart').data.labels.length === 12")
    ticks = page.evaluate("Chart.getChart('overview-chart').scales.x.ticks.map(t => t.label)")
    assert all(re.match(rf"(?:{GERMAN_MONTHS}) \d{{4}}", tick) for tick in ticks), ticks
    labels = page.evaluate("Chart.getChart('overview-chart').data.labels")
    assert labels[-1].endswith("(bis heute)") and not labels[-2].endswith("(bis heute)")

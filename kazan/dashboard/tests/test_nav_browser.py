"""On a 360 px phone the dashboard's and the console's navigation fold behind a menu button:
hidden until it is pressed, and no page scrolls sideways."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.accounts.tests.staff import totp_turn_on
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _menu_folds_and_opens(page, link: str) -> None:
    button = page.locator("[data-nav-toggle]")
    nav_link = page.locator(".topnav").get_by_role("link", name=link, exact=True)
    assert button.is_visible()
    assert button.get_attribute("aria-expanded") == "false"
    assert not nav_link.is_visible()
    assert page.locator(".topbar").bounding_box()["height"] < 80
    _no_sideways_scroll(page)
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert nav_link.is_visible()
    _no_sideways_scroll(page)
    page.keyboard.press("Escape")
    assert not nav_link.is_visible()
    button.click()
    nav_link.click()


def test_dashboard_navigation_is_behind_a_menu_button_on_a_phone(live_server, page, business):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    page.set_viewport_size({"width": 360, "height": 740})
    browser_sign_in(page, f"{live_server.url}/dashboard/settings/", owner.email)
    _menu_folds_and_opens(page, "Customers")
    page.wait_for_url("**/dashboard/customers/")
    _no_sideways_scroll(page)


def test_console_navigation_is_behind_a_menu_button_on_a_phone(live_server, page, staff_user):
    page.set_viewport_size({"width": 360, "height": 740})
    browser_sign_in(
        page,
        f"{live_server.url}/console/businesses/",
        staff_user.email,
        totp=totp_turn_on(staff_user),
    )
    _menu_folds_and_opens(page, "Exports")
    page.wait_for_url("**/console/exports/")


def test_on_a_laptop_the_navigation_is_simply_shown(live_server, page, business):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)
    assert not page.locator("[data-nav-toggle]").is_visible()
    assert page.locator(".topnav").get_by_role("link", name="Customers").is_visible()

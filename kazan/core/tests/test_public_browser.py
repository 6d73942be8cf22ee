"""In a real browser: the start page, the sign-in page, a landing page and the dashboard load
without a single 404 (the favicon included)."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pages_load_without_any_missing_file(live_server, page, business):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url("**/accounts/login/**")
    page.goto(f"{live_server.url}/{business.slug}/")
    page.locator("#chat").get_by_text("Welcome to", exact=False).wait_for()
    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)
    page.goto(f"{live_server.url}/")
    page.locator("[data-dashboard]").click()
    page.wait_for_url("**/dashboard/")
    # the browser asks for the icon on its own; give it the chance
    page.wait_for_load_state("networkidle")
    icon = page.evaluate("fetch('/favicon.ico').then(r => r.status)")
    assert icon == 200
    assert missing == []

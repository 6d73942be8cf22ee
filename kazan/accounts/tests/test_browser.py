"""In a real browser: set up two-factor from the QR page, then sign in with a code.

Proves the pages work under the strict CSP with no third-party requests (the `page` fixture
fails the test on any), and that the flow is usable end to end.
"""

import re

import pyotp
import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import TEST_PASSWORD, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_two_factor_set_up_and_sign_in(live_server, page, business):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    # Scripts blocked by the CSP would break the pages. (Inline *style* reports are left out:
    # base.html's htmx injects its indicator style without a nonce on every page.)
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda msg: (
            csp_errors.append(msg.text)
            if "Content Security Policy" in msg.text and "script-src" in msg.text
            else None
        ),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=email]", owner.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")

    page.goto(f"{live_server.url}/accounts/security/")
    page.click("text=Set up two-factor authentication")
    assert page.locator("svg.qr").is_visible()
    secret = re.sub(r"\s", "", page.locator("code").first.inner_text())
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", totp.now())
    page.click("button:has-text('Turn on')")
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    assert len(codes) == 10

    page.click("text=I have saved them")
    page.click("button:has-text('Sign out')")
    page.fill("input[name=email]", owner.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/login/verify/")
    page.fill("input[name=code]", codes[0])
    page.click("button:has-text('Verify')")
    page.wait_for_url("**/dashboard/**")
    assert page.locator("text=recovery code").first.is_visible()
    assert not csp_errors, csp_errors


def test_owner_invites_someone_who_signs_up(live_server, page, business, browser):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=email]", owner.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard/**")

    page.goto(f"{live_server.url}/dashboard/team/")
    page.fill("#invitations input[name=email]", "newcomer@example.com")
    page.select_option("#invitations select[name=role]", "manager")
    page.click("button:has-text('Send invitation')")
    link = page.locator("#new-invitation code").inner_text()
    path = link[link.index("/accounts/invitations/") :]

    newcomer = browser.new_context()
    tab = newcomer.new_page()
    try:
        tab.goto(f"{live_server.url}{path}")
        tab.fill("input[name=name]", "Newcomer")
        tab.fill("input[name=password1]", "lantern quietly 1987 river")
        tab.fill("input[name=password2]", "lantern quietly 1987 river")
        tab.click("button:has-text('Create account and join')")
        tab.wait_for_url("**/dashboard/**")
        assert tab.locator(f"text={business.name}").first.is_visible()
    finally:
        newcomer.close()


def test_staff_without_two_factor_set_it_up_first_then_reach_the_console(live_server, page):
    """Via the admin's address, as a newcomer would: the one sign-in page, then the QR page
    (nothing else opens), then the recovery codes, then the console."""
    staff = UserFactory(is_staff=True, is_superuser=True)

    page.goto(f"{live_server.url}/admin/")
    page.wait_for_url("**/accounts/login/?next=%2Fadmin%2F")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/security/two-factor/enable/")
    assert page.get_by_text("Platform staff must use two-factor authentication").is_visible()
    page.goto(f"{live_server.url}/console/")
    page.wait_for_url("**/accounts/security/two-factor/enable/")

    secret = page.locator("code").first.inner_text().replace(" ", "")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("form button[type=submit]")
    page.get_by_role("heading", name="Your recovery codes").wait_for()
    page.goto(f"{live_server.url}/console/")
    page.get_by_role("heading", name="Platform overview").wait_for()


def test_an_owner_is_invited_to_turn_on_two_factor_and_can_reset_a_password(
    live_server, page, business
):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("text=Forgot your password?")
    page.fill("input[name=email]", owner.email)
    page.click("form button[type=submit]")
    page.locator("[data-password-reset-sent]").wait_for()

    browser_sign_in(page, f"{live_server.url}/dashboard/", owner.email)
    prompt = page.locator("[data-two-factor-prompt]")
    assert prompt.is_visible()
    prompt.get_by_role("link").click()
    page.wait_for_url("**/accounts/security/two-factor/enable/")

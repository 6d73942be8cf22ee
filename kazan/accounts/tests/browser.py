"""Browser-test steps shared by the apps' Playwright tests."""

import pyotp

from kazan.tenancy.tests.factories import TEST_PASSWORD


def browser_sign_in(
    page, url: str, email: str, password: str = TEST_PASSWORD, *, totp: pyotp.TOTP | None = None
) -> None:
    """Opens a members-only `url`, signs in on the login page it leads to (typing the current
    code of `totp` on the second-factor page when given), and waits to be back at `url`."""
    page.goto(url)
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if totp is not None:
        page.wait_for_url("**/accounts/login/verify/**")
        page.fill("input[name=code]", totp.now())
        page.click("button[type=submit]")
    page.wait_for_url(url.split("?")[0] + "**")

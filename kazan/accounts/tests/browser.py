"""Browser-test steps shared by the apps' Playwright tests."""

from kazan.tenancy.tests.factories import TEST_PASSWORD


def browser_sign_in(page, url: str, email: str, password: str = TEST_PASSWORD) -> None:
    """Opens a members-only `url`, signs in on the login page it leads to, and waits to be
    back at `url`."""
    page.goto(url)
    page.wait_for_url("**/accounts/login/**")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url(url.split("?")[0] + "**")

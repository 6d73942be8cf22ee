"""In a real browser: an agent at the counter types a code (as a handheld scanner would: the
characters and Enter), sees it is valid and redeems it; htmx swaps the result in place."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.customers.tests.factories import CustomerFactory
from kazan.loyalty.models import Voucher
from kazan.loyalty.services import voucher_welcome_issue
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_scans_and_redeems_a_voucher(live_server, page, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    voucher, _ = voucher_welcome_issue(
        business=business, customer=CustomerFactory(business=business)
    )

    browser_sign_in(page, f"{live_server.url}/dashboard/vouchers/", agent.email)

    assert page.evaluate("document.activeElement.name") == "code"  # autofocus: ready to scan
    page.keyboard.type(f"{voucher.code[:4].lower()}-{voucher.code[4:]}")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-state=valid]")
    assert business.voucher_discount_text in page.inner_text("#voucher-result")
    assert page.url.endswith("/dashboard/vouchers/")  # swapped in place, no navigation

    page.click("#redeem-button")
    page.wait_for_selector("[data-state=redeemed-now]")
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at is not None
    assert page.evaluate("document.activeElement.name") == "code"  # ready for the next one

    page.fill("input[name=code]", voucher.code)
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-state=redeemed]")
    assert "Already used" in page.inner_text("#voucher-result")


def test_a_redemption_appears_in_today_s_list_and_is_undone_in_place(live_server, page, business):
    """Issue 9 (18): the list of today's redemptions reloads itself after a redemption (htmx
    event) and its Undo button makes the voucher valid again without leaving the page."""
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    voucher, _ = voucher_welcome_issue(
        business=business, customer=CustomerFactory(business=business, name="Anna")
    )

    browser_sign_in(page, f"{live_server.url}/dashboard/vouchers/", agent.email)
    assert "No voucher has been redeemed today." in page.inner_text("#recent-redemptions")
    page.keyboard.type(voucher.code)
    page.keyboard.press("Enter")
    page.click("#redeem-button")
    page.wait_for_selector(f"#recent-redemptions tr[data-code='{voucher.code}']")
    assert "Anna" in page.inner_text("#recent-redemptions")

    page.click(f"tr[data-code='{voucher.code}'] .undo-button")
    page.wait_for_selector("#recent-redemptions [data-state=undone]")
    assert page.url.endswith("/dashboard/vouchers/")
    assert Voucher.objects.get(pk=voucher.pk).redeemed_at is None
    assert page.query_selector(f"tr[data-code='{voucher.code}']") is None

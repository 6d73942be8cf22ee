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

"""In a real browser: an owner near the limit sees the warning, opens the upgrade dialog, picks
a package and lands on the pending order; no CSP violation, no third-party request."""

import pytest

from kazan.accounts.tests.browser import browser_sign_in
from kazan.billing.models import Payment
from kazan.billing.tests.factories import credits_use
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_owner_upgrades_through_the_dialog(live_server, page, business, packages):
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    credits_use(business=business, granted=100, used=96)

    browser_sign_in(page, f"{live_server.url}/dashboard/billing/", owner.email)

    assert page.locator("[data-quota-warning='95']").is_visible()
    dialog = page.locator("#upgrade-dialog")
    assert not dialog.is_visible()
    page.click("[data-dialog-open=upgrade-dialog]")
    assert dialog.is_visible()
    assert dialog.locator(".package-option").count() == 3
    assert "€29.00" in dialog.locator("[data-package=business]").inner_text()
    dialog.locator("[data-package=business] button[type=submit]").click()
    page.wait_for_url("**/dashboard/billing/payments/*/")

    payment = Payment.objects.get(business=business)
    assert payment.status == "pending" and payment.package.key == "business"
    assert "Pending" in page.locator("[data-payment=status]").inner_text()


def test_owner_sees_where_to_pay_and_the_credit_history(
    live_server, page, business, packages, staff_user
):
    from kazan.billing.services import bank_details_update, subscription_terms_change

    owner = MembershipFactory(business=business, role=Role.OWNER).user
    bank_details_update(
        recipient="Kazan GmbH",
        iban="DE89 3704 0044 0532 0130 00",
        bic="COBADEFFXXX",
        bank_name="Commerzbank",
        actor=staff_user,
    )
    credits_use(business=business, granted=1500, used=3)
    subscription_terms_change(
        business=business, sms_allowance=300, price_minor=900, reason="deal", actor=staff_user
    )

    browser_sign_in(page, f"{live_server.url}/dashboard/billing/", owner.email)

    history = page.locator("#credit-history")
    assert history.is_visible()
    assert "+1,500" in history.inner_text() and "1,497" in history.inner_text()
    page.click("[data-dialog-open=upgrade-dialog]")
    custom = page.locator("[data-package=custom]")
    assert "300 SMS per month" in custom.inner_text() and "current" in custom.inner_text()
    page.locator("[data-package=pro] button[type=submit]").click()
    page.wait_for_url("**/dashboard/billing/payments/*/")

    payment = Payment.objects.get(business=business)
    transfer = page.locator("#bank-transfer")
    assert transfer.is_visible()
    text = transfer.inner_text()
    assert f"Kazan {payment.pk}" in text and "€99.00" in text
    assert "DE89 3704 0044 0532 0130 00" in text and "COBADEFFXXX" in text

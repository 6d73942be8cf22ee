"""Issue 14's "Done when", through Stripe, in Chromium: a new business on its Basic trial fills
its 50 FAQs and is refused the 51st (the FAQ page links the plans; the API answers 402 with the
code), upgrades to Professional through (fake) Stripe Checkout in the browser — the plans page,
Stripe's hosted page, its "Pay" button, back to the dashboard — and can add the FAQ. Stripe's
signed events reach the real webhook; the first charge at the trial's end issues an invoice the
owner downloads as a PDF from the billing page; the next renewal fails (past due), the grace job
suspends the business after the grace period, and the retried payment reactivates it."""

import datetime as dt
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.test import Client

from kazan.accounts.tests.browser import browser_sign_in
from kazan.billing.gateways.stripe.testing import FakeStripe, stripe_configure, webhook_post
from kazan.billing.models import Invoice, PlanChange, PlanSubscription
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.plans_e2e import (
    PLANS_PATH,
    assert_faq_refused,
    assert_invoice_pdf,
    assert_reactivated,
    assert_suspended,
    faq_api_add,
    faqs_fill,
    grace_pass,
    travel,
    trial_on_basic,
)
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import BusinessFactory, MembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def fake_stripe(settings, live_server):
    """The fake Stripe, with the app's SDK pointed at it and Checkout returning to the live
    server (the browser's way back)."""
    with FakeStripe() as fake:
        stripe_configure(settings, fake)
        settings.PUBLIC_URL = live_server.url
        yield fake


def _deliver(deliveries) -> list[str]:
    """Stripe's signed events POSTed to /hooks/stripe/ as Stripe sends them."""
    hook = Client()
    answers = [webhook_post(hook, delivery) for delivery in deliveries]
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    return [answer.json()["status"] for answer in answers]


def test_a_trial_business_upgrades_through_stripe_checkout_and_survives_a_failed_renewal(
    live_server, page, settings, fake_stripe
):
    trial_on_basic(settings)
    business = BusinessFactory(slug="new-cafe", name="New Café")
    owner = MembershipFactory(business=business, role=Role.OWNER).user
    subscription = plan_subscription_for(business)
    assert subscription.status == "trialing" and subscription.plan.key == "basic"
    api = Client()
    api.force_login(owner)

    # The trial's limit: 50 FAQs, the 51st refused on the page (with the plans' link) and by API.
    faqs_fill(business)
    assert_faq_refused(faq_api_add(api))
    browser_sign_in(page, f"{live_server.url}/dashboard/faq/new/", owner.email)
    page.fill("[name=question]", "Do you deliver?")
    page.fill("[name=answer]", "Yes, within 5 km.")
    page.locator("form button[type=submit]").last.click()
    refusal = page.locator(".flash-error")
    assert "Your plan allows 50 FAQs" in refusal.inner_text()
    refusal.locator("[data-upgrade]").click()
    page.wait_for_url(f"**{PLANS_PATH}")

    # Upgrade through Stripe Checkout: our plans page → Stripe's page → "Pay" → back.
    choice = page.locator("[data-plan-action=professional]")
    choice.locator("input[name=gateway][value=stripe]").check()
    choice.locator("[data-choose=subscribe]").click()
    page.wait_for_url(f"{fake_stripe.url}/c/pay/**")
    session_id = urlsplit(page.url).path.rsplit("/", 1)[-1]
    page.locator("#pay").click()
    page.wait_for_url(f"{live_server.url}/dashboard/billing/?subscribed=1")
    # checkout.session.completed, customer.subscription.created, and the trial's €0 invoice
    # (nothing paid, nothing invoiced: the rest of the trial stays free)
    assert _deliver(fake_stripe.events_for_completion(session_id)) == [
        "applied",
        "applied",
        "ignored",
    ]
    subscription.refresh_from_db()
    sub_id = subscription.gateway_subscription_id
    assert subscription.plan.key == "professional" and subscription.gateway == "stripe"
    assert sub_id == fake_stripe.sessions[session_id]["subscription"]
    assert faq_api_add(api).status_code == 201  # the FAQ, now that the plan allows 500
    page.reload()
    assert page.locator("[data-plan=name]").inner_text() == "Professional"

    with travel(subscription.trial_ends_at + dt.timedelta(hours=1)) as traveller:
        # The trial ends: Stripe charges the first period; the owner downloads the invoice.
        assert _deliver(fake_stripe.renewal_pay(sub_id))[0] == "applied"
        subscription.refresh_from_db()
        assert subscription.status == "active"
        invoice = Invoice.objects.get(business=business, status="paid")
        assert invoice.gateway == "stripe" and invoice.total_minor > 0
        page.goto(f"{live_server.url}/dashboard/billing/")
        row = page.locator(f"[data-invoice='{invoice.number}']")
        with page.expect_download() as downloading:
            row.locator("[data-invoice-pdf]").click()
        assert_invoice_pdf(Path(downloading.value.path()).read_bytes(), invoice)

        # The next renewal is declined: past due; the grace period passes: suspended.
        traveller.move_to(subscription.current_period_end + dt.timedelta(hours=1))
        assert _deliver(fake_stripe.renewal_fail(sub_id)) == ["applied", "applied"]
        grace_pass(business, traveller)
        assert_suspended(api, business)
        page.goto(f"{live_server.url}/dashboard/billing/")
        assert page.locator("#plan").get_attribute("data-plan-status") == "suspended"

        # Stripe's retry is paid: active again, the business back.
        assert _deliver(fake_stripe.renewal_pay(sub_id))[0] == "applied"
        assert_reactivated(api, business)
    assert Invoice.objects.filter(business=business, status="paid").count() == 2
    kinds = set(PlanChange.objects.filter(business=business).values_list("kind", flat=True))
    assert {"trial_started", "past_due", "suspended", "reactivated"} <= kinds
    assert PlanSubscription.objects.get(business=business).plan.key == "professional"

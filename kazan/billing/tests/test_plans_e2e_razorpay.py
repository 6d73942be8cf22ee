"""Issue 14's "Done when", through Razorpay (its local fake, the official SDK, the real webhook
view with X-Razorpay-Signature): a new business on its Basic trial is refused its 51st FAQ (the
page links the plans, the API answers 402 with the code), subscribes to Professional from the
plans page (Razorpay's hosted authorisation page, then the signed checkout callback), adds the
FAQ; the first charge at the trial's end issues an invoice it downloads as a PDF; a renewal
fails (past due), the grace job suspends it after the grace period and the next charge
reactivates it."""

import datetime as dt

import pytest

from kazan.billing.gateways.razorpay.tests.fake_razorpay import (
    KEY_ID,
    KEY_SECRET,
    WEBHOOK_SECRET,
    FakeRazorpay,
)
from kazan.billing.models import Invoice, PlanChange, PlanSubscription
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.billing.tests.plans_e2e import (
    PLANS_PATH,
    assert_faq_page_refused,
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

pytestmark = pytest.mark.django_db


@pytest.fixture
def fake_razorpay(settings):
    """The fake Razorpay, with the app's SDK pointed at it."""
    with FakeRazorpay() as fake:
        settings.RAZORPAY_KEY_ID = KEY_ID
        settings.RAZORPAY_KEY_SECRET = KEY_SECRET
        settings.RAZORPAY_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.RAZORPAY_API_BASE = fake.url
        settings.RAZORPAY_CHECKOUT_JS = f"{fake.url}/v1/checkout.js"
        settings.PUBLIC_URL = "https://kazan.example"
        yield fake


def _deliver(client, deliveries) -> list[str]:
    """Razorpay's signed events POSTed to /hooks/razorpay/ as Razorpay sends them."""
    answers = [delivery.post(client) for delivery in deliveries]
    assert [answer.status_code for answer in answers] == [200] * len(answers)
    return [answer.json()["status"] for answer in answers]


def test_a_trial_business_subscribes_through_razorpay_and_survives_a_failed_renewal(
    settings, fake_razorpay, business, owner, client
):
    trial_on_basic(settings)
    subscription = plan_subscription_for(business)
    assert subscription.status == "trialing" and subscription.plan.key == "basic"
    client.force_login(owner)

    faqs_fill(business)
    assert_faq_refused(faq_api_add(client))
    assert_faq_page_refused(client)

    # Subscribe from the plans page: redirected to Razorpay's hosted page (the mandate).
    assert client.get(PLANS_PATH).status_code == 200
    chosen = client.post(
        "/dashboard/billing/plans/choose/",
        {"plan": "professional", "interval": "month", "gateway": "razorpay"},
    )
    subscription.refresh_from_db()
    sub_id = subscription.gateway_subscription_id
    assert subscription.gateway == "razorpay" and sub_id
    assert chosen.status_code in (302, 303)
    assert chosen["Location"] == fake_razorpay.get("subscriptions", sub_id)["short_url"]
    # Authorised on Razorpay's page: the event, and the signed callback back to us.
    assert _deliver(client, fake_razorpay.subscription_authorise(sub_id)) == ["applied"]
    back = client.post(
        "/dashboard/billing/razorpay/callback/", fake_razorpay.subscription_callback(sub_id)
    )
    assert back.status_code in (302, 303), back.content
    forged = {**fake_razorpay.subscription_callback(sub_id), "razorpay_signature": "0" * 64}
    assert client.post("/dashboard/billing/razorpay/callback/", forged).status_code == 400
    subscription.refresh_from_db()
    assert subscription.status == "trialing"  # the trial stays free until its end
    assert subscription.plan.key == "professional"

    with travel(subscription.trial_ends_at + dt.timedelta(hours=1)) as traveller:
        # The trial ends: the first charge; the invoice, downloaded from the billing page.
        assert _deliver(client, fake_razorpay.subscription_charge(sub_id)) == [
            "applied",
            "applied",
        ]
        subscription.refresh_from_db()
        assert subscription.status == "active" and subscription.plan.key == "professional"
        assert faq_api_add(client).status_code == 201  # the 51st FAQ, now allowed
        invoice = Invoice.objects.get(business=business, gateway="razorpay")
        assert invoice.status == "paid" and invoice.total_minor > 0
        overview = client.get("/dashboard/billing/").content.decode()
        pdf_url = f"/dashboard/billing/invoices/{invoice.pk}/pdf/"
        assert invoice.number in overview and pdf_url in overview
        download = client.get(pdf_url)
        assert download["Content-Type"] == "application/pdf"
        assert_invoice_pdf(b"".join(download), invoice)

        # The renewal fails: past due; the grace period passes: suspended.
        traveller.move_to(subscription.current_period_end + dt.timedelta(hours=1))
        assert _deliver(client, fake_razorpay.subscription_fail(sub_id)) == ["applied"] * 2
        grace_pass(business, traveller)
        assert_suspended(client, business)

        # Razorpay charges again: active, the business back.
        assert "applied" in _deliver(client, fake_razorpay.subscription_charge(sub_id))
        assert_reactivated(client, business)
    assert Invoice.objects.filter(business=business, gateway="razorpay").count() == 2
    kinds = set(PlanChange.objects.filter(business=business).values_list("kind", flat=True))
    assert {"trial_started", "past_due", "suspended", "reactivated"} <= kinds
    assert PlanSubscription.objects.get(business=business).plan.key == "professional"

"""Steps shared by the plans' end-to-end tests (test_plans_e2e_*.py): the issue's "Done when"
run through Stripe, Razorpay and a bank transfer. A new business starts its trial on Basic
(50 FAQs), fills them, is refused the 51st — on the dashboard's FAQ page with the link to the
plans and over the API with 402 and the code — pays for Professional, gets its invoice as a
PDF, fails a renewal, is suspended after the grace period and reactivated by a payment."""

import datetime as dt
import importlib
import io

import time_machine
from django.apps import apps
from pypdf import PdfReader

from kazan.billing.models import Invoice, PlanSubscription
from kazan.billing.services.dunning import grace_run
from kazan.faq.models import Faq
from kazan.faq.tests.factories import faq_make
from kazan.tenancy.models import Business

BASIC_FAQS = 50
PLANS_PATH = "/dashboard/billing/plans/"
FAQ_API = "/api/v1/faqs/"


def plans_seed() -> None:
    """The seeded plan catalog and tax rates, again: transactional tests flush what the data
    migration made."""
    importlib.import_module("kazan.billing.migrations.0008_seed_plans").seed(apps, None)


def trial_on_basic(settings) -> None:
    """New businesses try Basic (its 50 FAQs are the limit the tests reach); sessions outlast
    the months the tests travel through (sign in after calling this)."""
    settings.BILLING_TRIAL_PLAN = "basic"
    settings.BILLING_GATEWAYS = ["stripe", "razorpay", "manual"]
    settings.SESSION_COOKIE_AGE = 120 * 24 * 3600


def faqs_fill(business: Business) -> None:
    """The trial's Basic plan full: 50 FAQs, made through the FAQ service."""
    for number in range(BASIC_FAQS):
        faq_make(business, question=f"Question number {number}?", answer=f"Answer {number}.")


def faq_api_add(client, question: str = "Do you deliver?"):
    """An FAQ added over the API by a signed-in owner (Basic has no API keys: session auth)."""
    return client.post(
        FAQ_API,
        {"question": question, "answer": "Yes, within 5 km.", "language": "en"},
        content_type="application/json",
    )


def assert_faq_refused(response) -> None:
    """402 with the code, the limit, the key and the link to the plans."""
    assert response.status_code == 402, response.content
    body = response.json()
    assert body["code"] == "plan_limit_reached"
    assert body["key"] == "faqs" and body["limit"] == BASIC_FAQS
    assert body["upgrade_url"].endswith(PLANS_PATH)
    assert "50" in body["message"]


def assert_faq_page_refused(client) -> None:
    """The dashboard's "new FAQ" form refuses the 51st with the plan's message and a link to the
    plans (the page's own refusal, not an error page)."""
    response = client.post(
        "/dashboard/faq/new/",
        {"question": "Do you deliver?", "answer": "Yes, within 5 km.", "language": "en"},
    )
    page = response.content.decode()
    assert "Your plan allows 50 FAQs" in page
    assert f'href="{PLANS_PATH}" data-upgrade' in page


def assert_suspended(client, business: Business) -> None:
    """Suspended by billing after the grace period: nothing deleted, writes refused with 402."""
    business.refresh_from_db()
    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.status == "suspended"
    assert business.status == "suspended" and business.suspension_cause == "billing"
    assert Faq.objects.filter(business=business).count() > BASIC_FAQS  # nothing deleted
    refused = faq_api_add(client, "Is it suspended?")
    assert refused.status_code == 402 and refused.json()["code"] == "subscription_inactive"


def assert_reactivated(client, business: Business) -> None:
    business.refresh_from_db()
    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.status == "active" and subscription.past_due_since is None
    assert business.status == "active" and business.suspension_cause == ""
    added = faq_api_add(client, "Back again?")
    assert added.status_code == 201, added.content


def grace_pass(business: Business, traveller) -> None:
    """Past the grace period (BILLING_GRACE_DAYS after the first failed payment): the grace job
    suspends the business. `traveller` is the running time_machine travel."""
    from django.conf import settings

    subscription = PlanSubscription.objects.get(business=business)
    assert subscription.status == "past_due" and subscription.past_due_since is not None
    # A day before the end of the grace period nothing happens; a day after, it is suspended.
    traveller.move_to(
        subscription.past_due_since + dt.timedelta(days=settings.BILLING_GRACE_DAYS - 1)
    )
    assert grace_run() == 0
    traveller.move_to(
        subscription.past_due_since + dt.timedelta(days=settings.BILLING_GRACE_DAYS + 1)
    )
    assert grace_run() == 1
    assert grace_run() == 0  # idempotent


def assert_invoice_pdf(content: bytes, invoice: Invoice) -> None:
    """A PDF with the invoice's number and the buyer's name in its text."""
    assert content.startswith(b"%PDF-")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert invoice.number in text
    assert invoice.business.name in text


def travel(moment: dt.datetime):
    """A time_machine travel that ticks (webhook signatures, periods and jobs all read it)."""
    return time_machine.travel(moment, tick=True)

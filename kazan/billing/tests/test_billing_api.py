"""/api/v1/billing: the plan, status, limits and usage; the invoices, paged; the PDF; each for
the caller's own business only (decision 0038)."""

import pytest

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Plan, PlanSubscription
from kazan.billing.services.invoices import invoice_issue
from kazan.billing.testing import limits_give
from kazan.tenancy.models import Role
from kazan.tenancy.services import api_key_create
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/billing"


def _issue(business, amount=4900):
    return invoice_issue(
        business=business,
        lines=[InvoiceLineData(description="Basic, monthly", amount_minor=amount)],
        currency="EUR",
        amounts_include_tax=False,
    )


@pytest.fixture
def api(client, business, owner):
    limits_give(business, api_access=True)
    key = api_key_create(business=business, name="ERP", actor=owner)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key.secret}"
    return client


def test_the_subscription_shows_plan_status_limits_and_usage(api, business):
    subscription = PlanSubscription.objects.get(business=business)
    PlanSubscription.objects.filter(pk=subscription.pk).update(
        plan=Plan.objects.get(key="basic"),
        status="active",
        interval="year",
        pending_plan=None,
        limit_overrides={"api_access": True, "faqs": 70},
    )

    data = api.get(f"{API}/subscription").json()

    assert data["plan"] == {"key": "basic", "name": "Basic"}
    assert (data["status"], data["interval"], data["cancel_at_period_end"]) == (
        "active",
        "year",
        False,
    )
    assert data["limits"]["faqs"] == 70  # the custom terms win
    assert data["limits"]["products"] == 5 and data["limits"]["api_access"] is True
    assert {u["key"] for u in data["usage"]} >= {"faqs", "messages", "ai_messages"}
    assert all(set(u) == {"key", "used", "limit"} for u in data["usage"])


def test_a_trial_shows_its_end(api, business):
    data = api.get(f"{API}/subscription").json()

    assert data["status"] == "trialing" and data["trial_ends_at"]


def test_invoices_are_paged_and_the_pdf_downloads(api, business, other_business):
    first, second = _issue(business), _issue(business, 14900)
    _issue(other_business)

    page = api.get(f"{API}/invoices?page_size=1").json()
    assert page["count"] == 2
    assert page["items"][0]["number"] == second.number
    assert page["items"][0]["pdf_url"] == f"{API}/invoices/{second.pk}/pdf"
    assert page["items"][0]["total_minor"] == second.total_minor

    pdf = api.get(f"{API}/invoices/{first.pk}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert api.get(f"{API}/invoices?page_size=1000").status_code == 422


def test_another_business_invoice_is_a_404(api, other_business):
    theirs = _issue(other_business)

    answer = api.get(f"{API}/invoices/{theirs.pk}/pdf")

    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_a_member_session_reads_too(client, business):
    client.force_login(MembershipFactory(business=business, role=Role.AGENT).user)

    assert client.get(f"{API}/subscription").status_code == 200


def test_without_credentials_it_is_a_401(client, db):
    assert client.get(f"{API}/subscription").status_code == 401

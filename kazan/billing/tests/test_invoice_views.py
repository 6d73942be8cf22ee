"""The business's invoice download (its own documents only: another tenant's id is a 404) and
the billing details page (billing.manage; a wrong VAT id is refused on the form)."""

import pytest

from kazan.activity.models import Activity
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import BillingProfile
from kazan.billing.services.invoices import invoice_issue
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def issue(business):
    return invoice_issue(
        business=business,
        lines=[InvoiceLineData(description="Basic, monthly", amount_minor=4900)],
        currency="EUR",
        amounts_include_tax=False,
    )


def test_a_member_downloads_the_businesss_invoice(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    invoice = issue(business)
    response = client.get(f"/dashboard/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")


def test_another_tenants_invoice_is_a_404(owner_client, business, other_business):
    theirs = issue(other_business)
    assert owner_client.get(f"/dashboard/billing/invoices/{theirs.pk}/pdf/").status_code == 404
    assert owner_client.get("/dashboard/billing/invoices/999999/pdf/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, business):
    invoice = issue(business)
    response = client.get(f"/dashboard/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 302 and "login" in response["Location"]


PROFILE = {
    "legal_name": "Café A GmbH",
    "address_line1": "Hauptstraße 1",
    "postal_code": "10115",
    "city": "Berlin",
    "country": "AT",
    "vat_id": "atu 13585627",
    "email": "Billing@Cafe.example",
}


def test_the_owner_saves_the_billing_details(owner_client, business):
    assert owner_client.get("/dashboard/billing/profile/").status_code == 200
    response = owner_client.post("/dashboard/billing/profile/", PROFILE)
    assert response.status_code == 302
    profile = BillingProfile.objects.get(business=business)
    assert (profile.vat_id, profile.email, profile.country) == (
        "ATU13585627",
        "billing@cafe.example",
        "AT",
    )
    entry = Activity.objects.get(action="billing.profile_saved", business=business)
    assert "billing@cafe.example" not in str(entry.data)


def test_an_invalid_vat_id_is_refused_on_the_form(owner_client, business):
    response = owner_client.post("/dashboard/billing/profile/", {**PROFILE, "vat_id": "ATU0000"})
    assert response.status_code == 400
    assert "not a valid VAT id" in response.content.decode()
    assert not BillingProfile.objects.filter(business=business).exists()


def test_a_vat_id_of_another_country_is_refused(owner_client, business):
    response = owner_client.post(
        "/dashboard/billing/profile/", {**PROFILE, "vat_id": "DE136695976"}
    )
    assert response.status_code == 400


def test_members_without_billing_rights_cannot_change_the_details(client, business):
    agent = MembershipFactory(business=business, role=Role.AGENT).user
    client.force_login(agent)
    assert client.post("/dashboard/billing/profile/", PROFILE).status_code == 403
    assert not BillingProfile.objects.filter(business=business).exists()

"""Staff's invoice pages: any business's PDF, credit notes, tax rates — and nobody else's."""

import pytest

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Invoice, TaxRate
from kazan.billing.services.invoices import invoice_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(business):
    return invoice_issue(
        business=business,
        lines=[InvoiceLineData(description="Basic, monthly", amount_minor=4900)],
        currency="EUR",
        amounts_include_tax=False,
        gateway="manual",
    )


def test_staff_download_any_invoice(staff_client, invoice):
    response = staff_client.get(f"/console/billing/invoices/{invoice.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_staff_issue_a_partial_credit_note(staff_client, invoice):
    page = staff_client.get(f"/console/billing/invoices/{invoice.pk}/credit-note/")
    assert page.status_code == 200 and "€58.31" in page.content.decode()
    response = staff_client.post(
        f"/console/billing/invoices/{invoice.pk}/credit-note/",
        {"amount": "10.00", "reason": "goodwill"},
    )
    assert response.status_code == 302
    note = Invoice.objects.get(credit_note_for=invoice)
    assert note.total_minor == -1000
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.OPEN


def test_a_refused_credit_note_is_shown(staff_client, invoice):
    response = staff_client.post(
        f"/console/billing/invoices/{invoice.pk}/credit-note/",
        {"amount": "10.00", "reason": "x", "refund": "on"},
    )
    assert response.status_code == 400
    assert "Only a paid invoice can be refunded." in response.content.decode()
    assert not Invoice.objects.filter(credit_note_for=invoice).exists()


def test_staff_edit_tax_rates(staff_client):
    assert 'data-country="DE"' in staff_client.get("/console/billing/tax-rates/").content.decode()
    response = staff_client.post(
        "/console/billing/tax-rates/", {"country": "de", "rate": "7", "name": "MwSt"}
    )
    assert response.status_code == 302
    assert TaxRate.objects.get(country="DE").rate == 7


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/console/billing/invoices/{id}/pdf/"),
        ("get", "/console/billing/invoices/{id}/credit-note/"),
        ("post", "/console/billing/invoices/{id}/credit-note/"),
        ("get", "/console/billing/tax-rates/"),
        ("post", "/console/billing/tax-rates/"),
    ],
)
def test_console_invoice_routes_are_staff_only(owner_client, invoice, method, path):
    response = getattr(owner_client, method)(
        path.format(id=invoice.pk), {"country": "DE", "rate": "0", "reason": "x"}
    )
    assert response.status_code == 404
    assert not Invoice.objects.filter(credit_note_for=invoice).exists()
    assert TaxRate.objects.get(country="DE").rate == 19

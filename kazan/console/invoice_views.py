"""Platform staff's invoice pages: any business's invoice PDF, a credit note (with or without a
refund) and the VAT rates per country. Every view is staff_required; the business's own list of
invoices and the staff's billing lists live in the billing dashboards."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kazan.billing.invoice_forms import CreditNoteForm, TaxRateForm
from kazan.billing.invoice_views import pdf_response
from kazan.billing.queries.invoices import (
    invoice_credited_minor,
    tax_rates,
    unscoped_invoice_get,
)
from kazan.billing.services.credit_notes import credit_note_issue
from kazan.billing.services.invoice_pdf import invoice_pdf
from kazan.billing.services.tax import tax_rate_set
from kazan.core.errors import KazanError
from kazan.core.money import minor_digits, money_format
from kazan.tenancy.decorators import staff_required


@staff_required
@require_GET
def invoice_pdf_download(request: HttpRequest, invoice_id: int) -> HttpResponse:
    invoice = unscoped_invoice_get(invoice_id=invoice_id)
    return pdf_response(invoice_pdf(invoice=invoice), number=invoice.number)


def _minor(amount: Decimal | None, currency: str) -> int | None:
    if amount is None:
        return None
    return int((amount * 10 ** minor_digits(currency)).to_integral_value())


@staff_required
@require_http_methods(["GET", "POST"])
def credit_note(request: HttpRequest, invoice_id: int) -> HttpResponse:
    """Takes back (part of) an invoice; with "refund", a card payment is refunded through its
    gateway first (a refusal writes nothing and is shown)."""
    invoice = unscoped_invoice_get(invoice_id=invoice_id)
    if request.method == "POST":
        form = CreditNoteForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                note = credit_note_issue(
                    invoice=invoice,
                    amount_minor=_minor(data["amount"], invoice.currency),
                    reason=data["reason"],
                    actor=request.user,
                    refund=data["refund"],
                )
            except KazanError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request, _("Credit note %(number)s issued.") % {"number": note.number}
                )
                return redirect("console:credit_note", invoice_id=invoice.pk)
    else:
        form = CreditNoteForm()
    left = invoice.total_minor - invoice_credited_minor(invoice)
    return render(
        request,
        "console/credit_note.html",
        {
            "invoice": invoice,
            "form": form,
            "left": money_format(left, invoice.currency),
            "total": money_format(invoice.total_minor, invoice.currency),
            "credit_notes": invoice.credit_notes.order_by("pk"),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_required
@require_http_methods(["GET", "POST"])
def tax_rates_edit(request: HttpRequest) -> HttpResponse:
    """The VAT rate per buyer country (new invoices only; issued ones keep theirs)."""
    if request.method == "POST":
        form = TaxRateForm(request.POST)
        if form.is_valid():
            try:
                row = tax_rate_set(**form.cleaned_data, actor=request.user)
            except KazanError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(
                    request,
                    _("The tax rate for %(country)s was saved.") % {"country": row.country},
                )
                return redirect("console:tax_rates")
    else:
        form = TaxRateForm()
    return render(
        request,
        "console/tax_rates.html",
        {"form": form, "rates": tax_rates()},
        status=400 if request.method == "POST" else 200,
    )

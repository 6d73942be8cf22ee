"""Reads of invoices, receipts and credit notes: the business's own (scoped, another tenant's id
is NotFound), the staff's unscoped list, and the bank details an open bank-transfer invoice
shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum

from kazan.billing.models import BankDetails, BillingProfile, Invoice, TaxRate
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# Gateways whose invoices are paid by bank transfer ("": before any gateway was chosen): the
# invoice number is the transfer's reference.
MANUAL_GATEWAYS = frozenset({"", "manual"})


def invoices_for(*, business: Business) -> QuerySet[Invoice]:
    """The business's invoices, receipts and credit notes, newest first."""
    return Invoice.objects.filter(business=business).select_related("credit_note_for")


def invoice_get(*, business: Business, invoice_id: object) -> Invoice:
    """One of the business's documents; NotFound for another tenant's or a malformed id."""
    try:
        pk = int(str(invoice_id))
    except ValueError:
        raise NotFound() from None
    invoice = invoices_for(business=business).select_related("business").filter(pk=pk).first()
    if invoice is None:
        raise NotFound()
    return invoice


def unscoped_invoice_get(*, invoice_id: object) -> Invoice:
    """Any business's document, for platform staff only (console views are staff_required)."""
    try:
        pk = int(str(invoice_id))
    except ValueError:
        raise NotFound() from None
    invoice = Invoice.objects.select_related("business", "credit_note_for").filter(pk=pk).first()
    if invoice is None:
        raise NotFound()
    return invoice


def unscoped_invoices(
    *,
    kind: str = "",
    status: str = "",
    business_id: int | None = None,
    gateway: str = "",
    year: int | None = None,
) -> QuerySet[Invoice]:
    """All businesses' documents for the staff's lists, filtered by what is given."""
    rows = Invoice.objects.select_related("business", "credit_note_for")
    filters = {"kind": kind, "status": status, "gateway": gateway}
    rows = rows.filter(**{field: value for field, value in filters.items() if value})
    if business_id is not None:
        rows = rows.filter(business_id=business_id)
    if year is not None:
        rows = rows.filter(year=year)
    return rows


def invoice_credited_minor(invoice: Invoice) -> int:
    """How much of the invoice's total credit notes have taken back so far (positive)."""
    credited = invoice.credit_notes.aggregate(total=Sum("total_minor"))["total"] or 0
    return -credited


def invoice_bank_details(invoice: Invoice) -> BankDetails | None:
    """The platform's account, shown on an open invoice paid by bank transfer; None otherwise
    (or while staff have set none)."""
    if (
        invoice.kind != Invoice.Kind.INVOICE
        or invoice.status != Invoice.Status.OPEN
        or invoice.gateway not in MANUAL_GATEWAYS
    ):
        return None
    return BankDetails.objects.filter(pk=1).first()


def billing_profile_get(*, business: Business) -> BillingProfile | None:
    return BillingProfile.objects.filter(business=business).first()


def tax_rates() -> QuerySet[TaxRate]:
    return TaxRate.objects.all()

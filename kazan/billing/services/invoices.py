"""Invoices the platform issues to businesses: numbered without gaps, taxed, snapshotted, and
delivered (PDF kept in private storage, emailed once) after the commit.

Numbering: the next number of a series ("invoice", "credit_note") and UTC year is taken from its
InvoiceSequence row, locked with select_for_update in the same transaction as the insert — a
rollback gives the number back, so numbers are sequential with no gap or duplicate however many
issue at once. An issued invoice is never deleted or edited; a refund is a credit note
(kazan.billing.services.credit_notes).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import BillingProfile, Invoice, InvoiceLine, InvoiceSequence, Payment
from kazan.billing.queries.invoices import MANUAL_GATEWAYS
from kazan.billing.services.tax import TaxDecision, net_of_gross, round_half_up, tax_for, tax_of_net
from kazan.core.db import insert_or_fetch
from kazan.core.errors import ValidationFailed
from kazan.tenancy.queries import owner_emails

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.billing.models import PlanSubscription
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")

Kind = Invoice.Kind
Status = Invoice.Status
SERIES = {Kind.INVOICE: "invoice", Kind.CREDIT_NOTE: "credit_note"}
# A document whose delivery after the commit failed is tried again from this age on …
DELIVERY_RETRY_AFTER = timedelta(minutes=15)
# … hourly, up to this age.
DELIVERY_RETRY_FOR = timedelta(days=3)


@dataclass(frozen=True)
class Totals:
    lines: list[InvoiceLineData]  # net amounts, summing to subtotal_minor
    subtotal_minor: int
    tax_minor: int
    total_minor: int


def number_format(*, kind: str, year: int, sequence: int) -> str:
    if kind == Kind.CREDIT_NOTE:
        return f"{settings.INVOICE_PREFIX}-CN-{year}-{sequence:05d}"
    return f"{settings.INVOICE_PREFIX}-{year}-{sequence:05d}"


def sequence_lock(*, kind: str, year: int) -> InvoiceSequence:
    """The series' row for the year, locked until the transaction ends (made if missing)."""
    series = SERIES[Kind(kind)]
    insert_or_fetch(
        lambda: InvoiceSequence.objects.create(series=series, year=year),
        lambda: InvoiceSequence.objects.filter(series=series, year=year).first(),
    )
    return InvoiceSequence.objects.select_for_update().get(series=series, year=year)


def number_take(*, kind: str, year: int) -> int:
    """The next number of the series and year. Call inside the transaction that inserts the
    document: the row stays locked until it commits, and a rollback gives the number back."""
    row = sequence_lock(kind=kind, year=year)
    InvoiceSequence.objects.filter(pk=row.pk).update(last_number=F("last_number") + 1)
    return row.last_number + 1


def totals_compute(
    *, lines: Sequence[InvoiceLineData], rate: Decimal, amounts_include_tax: bool
) -> Totals:
    """Subtotal, tax and total with total = subtotal + tax exactly. Net lines: tax on the sum.
    Gross lines: the total is their sum and the net is taken out of it; each line is shown net,
    the rounding remainder on the largest line, so the lines still add up to the subtotal."""
    if not amounts_include_tax:
        subtotal = sum(line.amount_minor for line in lines)
        tax = tax_of_net(subtotal, rate)
        return Totals(list(lines), subtotal, tax, subtotal + tax)
    total = sum(line.amount_minor for line in lines)
    subtotal = net_of_gross(total, rate)
    nets = [net_of_gross(line.amount_minor, rate) for line in lines]
    if nets:
        largest = max(range(len(nets)), key=lambda i: abs(nets[i]))
        nets[largest] += subtotal - sum(nets)
    net_lines = [
        InvoiceLineData(
            description=line.description,
            amount_minor=net,
            quantity=line.quantity,
            period_start=line.period_start,
            period_end=line.period_end,
        )
        for line, net in zip(lines, nets, strict=True)
    ]
    return Totals(net_lines, subtotal, total - subtotal, total)


def _lines_check(lines: Sequence[InvoiceLineData], currency: str) -> str:
    currency = str(currency or "").upper()
    if len(currency) != 3 or not currency.isalpha():
        raise ValidationFailed(
            gettext("Enter a three-letter currency code."), code=BillingErrorCode.INVALID_FIELD
        )
    if not lines or any(line.quantity < 1 or not line.description.strip() for line in lines):
        raise ValidationFailed(
            gettext("An invoice needs at least one line with a description and a quantity."),
            code=BillingErrorCode.INVALID_LINES,
        )
    return currency


def seller_snapshot() -> str:
    return json.dumps(
        {
            "name": settings.SELLER_NAME,
            "address": settings.SELLER_ADDRESS,
            "country": settings.SELLER_COUNTRY,
            "vat_id": settings.SELLER_VAT_ID,
        }
    )


def buyer_snapshot(*, business: Business) -> dict[str, str]:
    """The buyer as it stands now: the billing profile, else the business and its owners."""
    profile = BillingProfile.objects.filter(business=business).first()
    if profile is None:
        return {
            "buyer_name": business.name,
            "buyer_address": business.address,
            "buyer_country": business.country,
            "buyer_vat_id": "",
            "buyer_email": ", ".join(owner_emails(business=business)),
        }
    city = " ".join(part for part in (profile.postal_code, profile.city) if part)
    address = [profile.address_line1, profile.address_line2, city]
    return {
        "buyer_name": profile.legal_name,
        "buyer_address": "\n".join(part for part in address if part),
        "buyer_country": profile.country,
        "buyer_vat_id": profile.vat_id,
        "buyer_email": profile.email or ", ".join(owner_emails(business=business)),
    }


def invoice_issue(
    *,
    business: Business,
    lines: Sequence[InvoiceLineData],
    currency: str,
    amounts_include_tax: bool,
    subscription: PlanSubscription | None = None,
    period_start: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
    paid_at: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    gateway: str = "",
    gateway_invoice_id: str = "",
    payment_reference: str = "",
    actor: Actor = None,
) -> Invoice:
    """Issues an invoice with the next number, taxed by tax_for(business) now; paid when
    `paid_at` is given, else open until due_at (default PAYMENT_DUE_DAYS). The same gateway
    invoice id returns the invoice issued for it before (a replayed webhook issues nothing).
    The PDF is stored and emailed after the commit. Raises ValidationFailed."""
    currency = _lines_check(lines, currency)
    if gateway_invoice_id:
        existing = Invoice.objects.filter(
            gateway=gateway, gateway_invoice_id=gateway_invoice_id
        ).first()
        if existing is not None:
            return existing
    with translation.override(business.language or "en"):
        decision = tax_for(business=business)
    totals = totals_compute(
        lines=lines, rate=decision.rate, amounts_include_tax=amounts_include_tax
    )
    now = timezone.now()
    with transaction.atomic():
        year = now.astimezone(dt.UTC).year
        if gateway_invoice_id:
            sequence_lock(kind=Kind.INVOICE, year=year)
            # Checked again under the sequence lock: a concurrent replay has committed by now.
            existing = Invoice.objects.filter(
                gateway=gateway, gateway_invoice_id=gateway_invoice_id
            ).first()
            if existing is not None:
                return existing
        sequence = number_take(kind=Kind.INVOICE, year=year)
        number = number_format(kind=Kind.INVOICE, year=year, sequence=sequence)
        if not payment_reference and gateway in MANUAL_GATEWAYS and paid_at is None:
            payment_reference = number
        invoice = document_create(
            business=business,
            kind=Kind.INVOICE,
            status=Status.PAID if paid_at else Status.OPEN,
            year=year,
            sequence=sequence,
            number=number,
            issued_at=now,
            currency=currency,
            totals=totals,
            decision=decision,
            buyer=buyer_snapshot(business=business),
            subscription=subscription,
            period_start=period_start,
            period_end=period_end,
            paid_at=paid_at,
            due_at=None if paid_at else due_at or now + timedelta(days=settings.PAYMENT_DUE_DAYS),
            gateway=gateway,
            gateway_invoice_id=gateway_invoice_id,
            payment_reference=payment_reference,
            actor=actor,
        )
        activity_record(
            business=business,
            actor=actor,
            action="invoice.issued",
            target=invoice,
            data={
                "number": number,
                "total_minor": invoice.total_minor,
                "currency": currency,
                "status": invoice.status,
                "gateway": gateway,
            },
        )
        transaction.on_commit(lambda: invoice_deliver(invoice_id=invoice.pk))
    return invoice


def document_create(
    *,
    business: Business,
    kind: str,
    status: str,
    year: int,
    sequence: int,
    number: str,
    issued_at: dt.datetime,
    currency: str,
    totals: Totals,
    decision: TaxDecision,
    buyer: dict[str, str],
    actor: Actor,
    **fields: object,
) -> Invoice:
    invoice = Invoice.objects.create(
        business=business,
        kind=kind,
        status=status,
        number=number,
        year=year,
        sequence=sequence,
        issued_at=issued_at,
        currency=currency,
        subtotal_minor=totals.subtotal_minor,
        tax_rate=decision.rate,
        tax_minor=totals.tax_minor,
        total_minor=totals.total_minor,
        reverse_charge=decision.reverse_charge,
        tax_note=decision.note[:300],
        seller=seller_snapshot(),
        created_by=actor_user(actor),
        **buyer,
        **fields,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            description=line.description[:300],
            quantity=line.quantity,
            unit_amount_minor=round_half_up(Decimal(line.amount_minor) / line.quantity),
            amount_minor=line.amount_minor,
            period_start=line.period_start,
            period_end=line.period_end,
            position=position,
        )
        for position, line in enumerate(totals.lines)
    )
    return invoice


def invoice_mark_paid(
    *, invoice: Invoice, paid_at: dt.datetime, payment: Payment | None = None
) -> bool:
    """Open → paid, once (a conditional UPDATE): False when it was not open (already paid,
    void). The stored PDF is drawn again as a receipt."""
    with transaction.atomic():
        changed = Invoice.objects.filter(pk=invoice.pk, status=Status.OPEN).update(
            status=Status.PAID, paid_at=paid_at
        )
        if payment is not None:
            Payment.objects.filter(pk=payment.pk, invoice__isnull=True).update(invoice=invoice)
        if not changed:
            return False
        invoice.status, invoice.paid_at = Status.PAID, paid_at
        activity_record(
            business=invoice.business,
            actor=None,
            action="invoice.paid",
            target=invoice,
            data={"number": invoice.number, "payment": payment.pk if payment else None},
        )
        transaction.on_commit(lambda: invoice_deliver(invoice_id=invoice.pk, redraw=True))
    return True


def invoice_recipients(invoice: Invoice) -> list[str]:
    """Where the invoice is emailed: the address in its snapshot, else today's owners."""
    snapshot = [part.strip() for part in invoice.buyer_email.split(",") if part.strip()]
    return snapshot or owner_emails(business=invoice.business)


def invoice_deliver(*, invoice_id: int, redraw: bool = False) -> bool:
    """After the commit: stores the PDF (drawn again when `redraw`: paid, credited) and emails
    it once (emailed_at claimed by a conditional UPDATE; the mail queue retries the sending).
    A failure is logged; invoices_undelivered_run tries an unsent one again, the download
    draws a missing PDF again. True when it was emailed now."""
    from kazan.billing.services.invoice_pdf import invoice_email_send, invoice_pdf_store

    try:
        invoice = Invoice.objects.select_related("business").get(pk=invoice_id)
        content = invoice_pdf_store(invoice=invoice, redraw=redraw)
        return invoice_email_send(invoice=invoice, content=content)
    except Exception:
        logger.exception("could not deliver invoice #%s", invoice_id)
        return False


def invoices_undelivered_run() -> int:
    """The hourly retry of deliveries that did not happen after the commit (the storage or the
    database failed, the process stopped): documents issued between DELIVERY_RETRY_AFTER and
    DELIVERY_RETRY_FOR ago and never emailed. Older ones are left alone, so an invoice nobody
    can be emailed (no owner address) is not drawn every hour for ever. Returns how many
    were emailed."""
    now = timezone.now()
    unsent = Invoice.objects.filter(
        emailed_at__isnull=True,
        issued_at__lte=now - DELIVERY_RETRY_AFTER,
        issued_at__gte=now - DELIVERY_RETRY_FOR,
    ).order_by("pk")
    return sum(invoice_deliver(invoice_id=pk) for pk in unsent.values_list("pk", flat=True))

"""Credit notes: how an issued invoice is taken back, in full or in part (an invoice is never
edited or deleted). A credit note is a negative document numbered in its own series
("credit_note", per UTC year, gapless like invoices) that names the invoice it credits."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone, translation
from django.utils.translation import gettext

from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Invoice
from kazan.billing.queries.invoices import MANUAL_GATEWAYS, invoice_credited_minor
from kazan.billing.services.invoices import (
    Totals,
    document_create,
    invoice_deliver,
    number_format,
    number_take,
)
from kazan.billing.services.tax import TaxDecision, net_of_gross
from kazan.core.errors import Conflict, ValidationFailed

if TYPE_CHECKING:
    from kazan.accounts.types import Actor

logger = logging.getLogger("kazan.billing")

Kind = Invoice.Kind
Status = Invoice.Status


def credit_note_issue(
    *, invoice: Invoice, amount_minor: int | None, reason: str, actor: Actor, refund: bool
) -> Invoice:
    """Takes back (part of) an invoice with a credit note: a negative document in its own
    series that names the invoice. `amount_minor` is gross (None: all that is left). An open
    invoice credited in full becomes void. `refund` (a paid invoice): a gateway payment is
    refunded through SubscriptionGateway.payment_refund before anything is written, outside
    the transaction — a failed refund writes nothing; a bank transfer is paid back by staff
    and the note records it. Inside a caller's transaction only without a gateway refund.
    Raises ValidationFailed, Conflict."""
    reason = " ".join(str(reason or "").split())[:200]
    if not reason:
        raise ValidationFailed(
            gettext("Say why the amount is credited."), code=BillingErrorCode.INVALID_REASON
        )
    # A gateway refund is an HTTP call: made first, outside any transaction (no Invoice lock
    # held while the provider answers), on what the invoice looks like now; the idempotency
    # key names the invoice, what was credited before and the amount, so a retry (or a
    # second click at once) refunds once. Checked again under the lock below.
    current = Invoice.objects.get(pk=invoice.pk)
    credited, amount = _creditable(current, amount_minor=amount_minor, refund=refund)
    by_gateway = refund and current.gateway not in MANUAL_GATEWAYS
    refund_id = (
        _gateway_refund(current, amount, key=f"credit-{current.pk}-{credited}-{amount}")
        if by_gateway
        else ""
    )
    now = timezone.now()
    with transaction.atomic():
        locked = Invoice.objects.select_for_update().select_related("business").get(pk=invoice.pk)
        if refund_id:
            # The same refund recorded already (the gateway answered a retry with it).
            known = Invoice.objects.filter(
                credit_note_for=locked, payment_reference=refund_id[:40]
            ).first()
            if known is not None:
                return known
        try:
            # A refund made is what the note records, whatever else was credited meanwhile.
            credited_now, amount = _creditable(
                locked, amount_minor=amount if by_gateway else amount_minor, refund=refund
            )
        except (Conflict, ValidationFailed):
            if refund_id:
                logger.error(
                    "invoice #%s was refunded (%s) but changed meanwhile: no credit note written",
                    locked.pk,
                    refund_id,
                )
            raise
        remaining = locked.total_minor - credited_now
        business = locked.business
        with translation.override(business.language or "en"):
            description = gettext("Credit for %(number)s: %(reason)s") % {
                "number": locked.number,
                "reason": reason,
            }
            if refund:
                description += " · " + (
                    gettext("refunded to the original payment method")
                    if by_gateway
                    else gettext("refunded by bank transfer")
                )
        totals = _credit_totals(locked, amount=amount, last=amount == remaining)
        year = now.astimezone(dt.UTC).year
        sequence = number_take(kind=Kind.CREDIT_NOTE, year=year)
        note = document_create(
            business=business,
            kind=Kind.CREDIT_NOTE,
            status=Status.CREDITED,
            year=year,
            sequence=sequence,
            number=number_format(kind=Kind.CREDIT_NOTE, year=year, sequence=sequence),
            issued_at=now,
            currency=locked.currency,
            totals=Totals(
                [InvoiceLineData(description=description, amount_minor=totals[0])], *totals
            ),
            decision=TaxDecision(
                rate=locked.tax_rate,
                reverse_charge=locked.reverse_charge,
                note=locked.tax_note,
                country=locked.buyer_country,
            ),
            buyer={
                field: getattr(locked, field)
                for field in (
                    "buyer_name",
                    "buyer_address",
                    "buyer_country",
                    "buyer_vat_id",
                    "buyer_email",
                )
            },
            actor=actor,
            subscription=locked.subscription,
            period_start=locked.period_start,
            period_end=locked.period_end,
            gateway=locked.gateway,
            payment_reference=refund_id[:40],
            credit_note_for=locked,
        )
        voided = (
            locked.status == Status.OPEN
            and amount == remaining
            and Invoice.objects.filter(pk=locked.pk, status=Status.OPEN).update(status=Status.VOID)
            > 0
        )
        activity_record(
            business=business,
            actor=actor,
            action="invoice.credited",
            target=note,
            data={
                "number": note.number,
                "invoice": locked.number,
                "total_minor": note.total_minor,
                "currency": note.currency,
                "refund": "gateway" if by_gateway else "bank" if refund else "",
                "voided": voided,
            },
        )

        def deliver() -> None:
            invoice_deliver(invoice_id=note.pk)
            if voided:
                invoice_deliver(invoice_id=locked.pk, redraw=True)

        transaction.on_commit(deliver)
    return note


def _creditable(invoice: Invoice, *, amount_minor: int | None, refund: bool) -> tuple[int, int]:
    """(gross credited so far, gross amount to credit now); Conflict (not an open or paid
    invoice), ValidationFailed (the amount, a refund of an unpaid invoice)."""
    if invoice.kind != Kind.INVOICE or invoice.status not in (Status.OPEN, Status.PAID):
        raise Conflict(
            gettext("Only an open or paid invoice can be credited."),
            code=BillingErrorCode.NOT_CREDITABLE,
        )
    credited = invoice_credited_minor(invoice)
    remaining = invoice.total_minor - credited
    amount = remaining if amount_minor is None else amount_minor
    if not 0 < amount <= remaining:
        raise ValidationFailed(
            gettext("Enter an amount above zero and at most what is left to credit."),
            code=BillingErrorCode.INVALID_AMOUNT,
        )
    if refund and invoice.status != Status.PAID:
        raise ValidationFailed(
            gettext("Only a paid invoice can be refunded."),
            code=BillingErrorCode.NOT_CREDITABLE,
        )
    return credited, amount


def _credit_totals(invoice: Invoice, *, amount: int, last: bool) -> tuple[int, int, int]:
    """(subtotal, tax, total) of a credit of gross `amount`, negative. The last credit takes
    exactly what is left of the net, so all credit notes together undo the invoice."""
    if last:
        credited_net = invoice.credit_notes.aggregate(net=Sum("subtotal_minor"))["net"] or 0
        net = invoice.subtotal_minor + credited_net
    else:
        net = net_of_gross(amount, invoice.tax_rate)
    return -net, -(amount - net), -amount


def _gateway_refund(invoice: Invoice, amount: int, *, key: str) -> str:
    from django.core.exceptions import ImproperlyConfigured

    from kazan.billing.gateways import GatewayError, SubscriptionGateway, gateway_get

    unable = Conflict(
        gettext(
            "This payment cannot be refunded through the payment provider: refund it by hand "
            "and issue the credit note without a refund."
        ),
        code=BillingErrorCode.REFUND_FAILED,
    )
    try:
        gateway = gateway_get(invoice.gateway)
    except ImproperlyConfigured:
        raise unable from None
    if not isinstance(gateway, SubscriptionGateway) or not invoice.payment_reference:
        raise unable
    try:
        return gateway.payment_refund(
            payment_reference=invoice.payment_reference, amount_minor=amount, idempotency_key=key
        )
    except GatewayError as exc:
        logger.warning("refund of invoice #%s failed: %s", invoice.pk, exc.message)
        raise Conflict(
            gettext("The payment provider refused the refund: %(message)s")
            % {"message": exc.message},
            code=BillingErrorCode.REFUND_FAILED,
        ) from None

"""An invoice, receipt or credit note as a PDF (reportlab's canvas: one page of a few lines, so
the streaming writer of decision 0009 is not needed), kept in private storage and emailed once.

Drawn from the document's own snapshot (seller, buyer, lines, tax) in the business's language and
money format, so drawing it again later gives the same document; only the state (paid, bank
details for an open bank-transfer invoice) is read as it is now.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.billing.models import Invoice
from kazan.billing.queries.invoices import invoice_bank_details
from kazan.core.formatting import date_local, number_local
from kazan.core.mail import email_queue
from kazan.core.money import money_format
from kazan.tenancy.forms import country_name

logger = logging.getLogger("kazan.billing")

Kind = Invoice.Kind
Status = Invoice.Status
_FONT = "KazanInvoiceSans"


def _fonts() -> tuple[str, str]:
    """DejaVu (every letter of our five languages) or reportlab's bundled Vera."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    from kazan.analytics.pdfstream import _font_paths

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        regular, bold = _font_paths()
        pdfmetrics.registerFont(TTFont(_FONT, str(regular)))
        pdfmetrics.registerFont(TTFont(f"{_FONT}-Bold", str(bold)))
    return _FONT, f"{_FONT}-Bold"


def invoice_title(invoice: Invoice) -> str:
    if invoice.kind == Kind.CREDIT_NOTE:
        return _("Credit note %(number)s") % {"number": invoice.number}
    if invoice.status == Status.PAID:
        return _("Receipt %(number)s") % {"number": invoice.number}
    return _("Invoice %(number)s") % {"number": invoice.number}


def invoice_pdf_render(*, invoice: Invoice) -> bytes:
    """The document as a PDF, drawn now."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    language = invoice.business.language or "en"
    regular, bold = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm
    y = height - 25 * mm

    def room() -> None:
        nonlocal y
        if y < 25 * mm:
            pdf.showPage()
            y = height - 25 * mm

    def line(text: str, *, size: int = 10, font: str = regular, x: float = left) -> None:
        nonlocal y
        room()
        pdf.setFont(font, size)
        pdf.drawString(x, y, text[:110])
        y -= (size * 0.5 + 1) * mm

    def money(amount: int) -> str:
        return money_format(amount, invoice.currency, language)

    def day(moment: dt.datetime) -> str:
        return date_local(moment.astimezone(dt.UTC).date(), language)

    with translation.override(language):
        title = invoice_title(invoice)
        pdf.setTitle(title)
        seller = json.loads(invoice.seller or "{}")
        line(seller.get("name", ""), size=12, font=bold)
        for text in str(seller.get("address", "")).splitlines():
            line(text, size=9)
        if seller.get("vat_id"):
            line(_("VAT id: %(vat_id)s") % {"vat_id": seller["vat_id"]}, size=9)
        y -= 6 * mm
        line(invoice.buyer_name, font=bold)
        for text in invoice.buyer_address.splitlines():
            line(text)
        if invoice.buyer_country:
            line(country_name(invoice.buyer_country, language) or invoice.buyer_country)
        if invoice.buyer_vat_id:
            line(_("VAT id: %(vat_id)s") % {"vat_id": invoice.buyer_vat_id})
        y -= 6 * mm
        line(title, size=14, font=bold)
        line(_("Date: %(date)s") % {"date": day(invoice.issued_at)})
        if invoice.credit_note_for_id:
            line(
                _("Credit note for %(number)s")
                % {"number": invoice.credit_note_for.number if invoice.credit_note_for else ""}
            )
        if invoice.period_start and invoice.period_end:
            line(
                _("Period: %(start)s – %(end)s")
                % {"start": day(invoice.period_start), "end": day(invoice.period_end)}
            )
        if invoice.status == Status.PAID and invoice.paid_at:
            line(_("Paid on %(date)s") % {"date": day(invoice.paid_at)}, font=bold)
        elif invoice.status == Status.OPEN and invoice.due_at:
            line(_("Due on %(date)s") % {"date": day(invoice.due_at)})
        elif invoice.status == Status.VOID:
            line(_("Cancelled by a credit note"), font=bold)
        y -= 4 * mm
        pdf.setFont(bold, 10)
        pdf.drawString(left, y, _("Description"))
        pdf.drawRightString(right - 35 * mm, y, _("Quantity"))
        pdf.drawRightString(right, y, _("Amount"))
        y -= 6 * mm
        for item in invoice.lines.all():
            room()
            pdf.setFont(regular, 10)
            pdf.drawRightString(right - 35 * mm, y, number_local(item.quantity, language))
            pdf.drawRightString(right, y, money(item.amount_minor))
            line(item.description[:70])
        y -= 4 * mm
        rate = number_local(invoice.tax_rate.normalize(), language)
        for label, amount, font in (
            (_("Net"), invoice.subtotal_minor, regular),
            (_("VAT %(rate)s %%") % {"rate": rate}, invoice.tax_minor, regular),
            (_("Total"), invoice.total_minor, bold),
        ):
            room()
            pdf.setFont(font, 10)
            pdf.drawRightString(right - 35 * mm, y, label)
            pdf.drawRightString(right, y, money(amount))
            y -= 6 * mm
        y -= 4 * mm
        if invoice.tax_note:
            line(invoice.tax_note, size=8)
        bank = invoice_bank_details(invoice)
        if bank is not None:
            y -= 4 * mm
            line(_("Please transfer the total to:"), font=bold)
            line(_("Account holder: %(name)s") % {"name": bank.recipient})
            line(_("IBAN: %(iban)s") % {"iban": bank.iban_formatted})
            if bank.bic:
                line(_("BIC: %(bic)s") % {"bic": bank.bic})
            line(_("Reference: %(reference)s") % {"reference": invoice.payment_reference})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _stored(invoice: Invoice) -> bytes | None:
    name = invoice.pdf.name if invoice.pdf else ""
    if not name or not default_storage.exists(name):
        return None
    with default_storage.open(name, "rb") as handle:
        content: bytes = handle.read()
    return content


def invoice_pdf_store(*, invoice: Invoice, redraw: bool = False) -> bytes:
    """The stored PDF; drawn and stored when missing (or `redraw`: its state changed)."""
    content = None if redraw else _stored(invoice)
    if content is not None:
        return content
    content = invoice_pdf_render(invoice=invoice)
    old = invoice.pdf.name if invoice.pdf else ""
    name = default_storage.save(f"private/invoices/{invoice.number}.pdf", ContentFile(content))
    Invoice.objects.filter(pk=invoice.pk).update(pdf=name)
    invoice.pdf.name = name
    if old and old != name:
        default_storage.delete(old)
    return content


def invoice_pdf(*, invoice: Invoice) -> bytes:
    """The document's PDF for a download: the stored one, drawn again if it went missing."""
    return invoice_pdf_store(invoice=invoice)


def invoice_email_send(*, invoice: Invoice, content: bytes) -> bool:
    """Emails the PDF to the buyer once (emailed_at claimed by a conditional UPDATE); False when
    it went before or there is nobody to send it to."""
    from kazan.billing.services.invoices import invoice_recipients

    recipients = invoice_recipients(invoice)
    if not recipients:
        return False
    business = invoice.business
    with transaction.atomic():
        claimed = Invoice.objects.filter(pk=invoice.pk, emailed_at__isnull=True).update(
            emailed_at=timezone.now()
        )
        if not claimed:
            return False
        with translation.override(business.language or "en"):
            title = invoice_title(invoice)
            amount = money_format(invoice.total_minor, invoice.currency, business.language)
            body = render_to_string(
                "billing/email/invoice.txt",
                {"invoice": invoice, "business": business, "title": title, "amount": amount},
            )
        message = EmailMessage(f"{title}: {amount}", body, None, recipients)
        message.attach(f"{invoice.number}.pdf", content, "application/pdf")
        email_queue(message)
        activity_record(
            business=business,
            actor=None,
            action="invoice.emailed",
            target=invoice,
            data={"number": invoice.number, "recipients": len(recipients)},
        )
    return True

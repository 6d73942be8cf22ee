"""Invoices: issued once per order when it is paid (online) or delivered (cash on delivery),
numbered without gaps per business (the "invoice" NumberSequence, locked with the order's
transaction), and drawn as a PDF on demand from the order's frozen lines, in the business's
language and money format."""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.commerce.models import Invoice, Order, OrderItem
from kazan.core.formatting import date_local
from kazan.core.money import money_format

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

_FONTS = Path("/usr/share/fonts/truetype/dejavu")


def invoice_issue(*, business: Business, order: Order) -> Invoice:
    """The order's invoice, issued now with the next number if it has none yet."""
    from kazan.commerce.services.orders import number_next

    existing = Invoice.objects.filter(business=business, order=order).first()
    if existing is not None:
        return existing
    return Invoice.objects.create(
        business=business,
        order=order,
        number=number_next(business=business, kind="invoice"),
        issued_at=timezone.now(),
        total_minor=order.total_minor,
        currency=order.currency,
    )


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = _FONTS / "DejaVuSans.ttf", _FONTS / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    if "KazanSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("KazanSans", str(regular)))
        pdfmetrics.registerFont(TTFont("KazanSans-Bold", str(bold)))
    return "KazanSans", "KazanSans-Bold"


def invoice_pdf(*, business: Business, order: Order) -> bytes:
    """The order's invoice as a PDF (a pro-forma without a number while it is not issued)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if order.business_id != business.pk:
        raise ValueError("order of another business")
    invoice = Invoice.objects.filter(business=business, order=order).first()
    language = business.language or "en"
    regular, bold = _fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    width, height = A4
    left, right = 20 * mm, width - 20 * mm

    def money(amount: int) -> str:
        return money_format(amount, order.currency, language)

    with translation.override(language):
        title = (
            _("Invoice %(number)s") % {"number": invoice.number}
            if invoice
            else _("Pro-forma invoice")
        )
        pdf.setTitle(title)
        y = height - 25 * mm
        pdf.setFont(bold, 16)
        pdf.drawString(left, y, business.name)
        pdf.setFont(regular, 10)
        if business.address:
            y -= 6 * mm
            pdf.drawString(left, y, business.address[:120])
        y -= 14 * mm
        pdf.setFont(bold, 13)
        pdf.drawString(left, y, title)
        pdf.setFont(regular, 10)
        issued = invoice.issued_at if invoice else order.created_at
        y -= 6 * mm
        pdf.drawString(
            left,
            y,
            _("Order %(number)s of %(date)s")
            % {"number": order.number, "date": date_local(issued.date(), language)},
        )
        if order.customer is not None and order.customer.name:
            y -= 6 * mm
            pdf.drawString(left, y, _("Customer: %(name)s") % {"name": order.customer.name[:80]})
        y -= 12 * mm
        pdf.setFont(bold, 10)
        pdf.drawString(left, y, _("Item"))
        pdf.drawRightString(right - 70 * mm, y, _("Quantity"))
        pdf.drawRightString(right - 40 * mm, y, _("Unit price"))
        pdf.drawRightString(right - 20 * mm, y, _("Discount"))
        pdf.drawRightString(right, y, _("Total"))
        pdf.setFont(regular, 10)
        for item in OrderItem.objects.filter(order=order).order_by("id"):
            y -= 6 * mm
            if y < 30 * mm:
                pdf.showPage()
                pdf.setFont(regular, 10)
                y = height - 25 * mm
            pdf.drawString(left, y, item.name[:60])
            pdf.drawRightString(right - 70 * mm, y, str(item.quantity))
            pdf.drawRightString(right - 40 * mm, y, money(item.unit_price_minor))
            pdf.drawRightString(
                right - 20 * mm, y, money(item.discount_minor) if item.discount_minor else ""
            )
            pdf.drawRightString(right, y, money(item.total_minor))
        y -= 12 * mm
        for label, amount in (
            (_("Subtotal"), order.subtotal_minor),
            (_("Discounts"), order.discount_minor),
        ):
            pdf.drawRightString(right - 40 * mm, y, str(label))
            pdf.drawRightString(right, y, money(amount))
            y -= 6 * mm
        pdf.setFont(bold, 11)
        pdf.drawRightString(right - 40 * mm, y, _("Total"))
        pdf.drawRightString(right, y, money(order.total_minor))
        pdf.setFont(regular, 9)
        y -= 10 * mm
        method = order.get_payment_method_display()
        pdf.drawString(left, y, _("Payment: %(method)s") % {"method": method})
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()

"""The secure link pages commerce registers with the links app: paying an order (Stripe
Checkout, or the cash-on-delivery note) and downloading its invoice. The links app has
already resolved the link (live, this purpose, the page language active); the order is the
link's target, of the link's business and customer — anything else is "not available"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from kazan.commerce.models import Order, OrderStatus, PaymentMethod
from kazan.commerce.queries.orders import invoice_for, order_items
from kazan.commerce.services.invoices import invoice_pdf
from kazan.commerce.services.payments import order_checkout_reconcile, order_checkout_start
from kazan.core.errors import Conflict
from kazan.links.error_codes import LinksErrorCode
from kazan.links.errors import LinksError
from kazan.links.pages import page_render

if TYPE_CHECKING:
    from kazan.links.models import SecureLink


def _order(link: SecureLink) -> Order:
    order = (
        Order.objects.filter(business=link.business, customer=link.customer, pk=link.target_id)
        .select_related("customer")
        .first()
        if link.target_id is not None
        else None
    )
    if order is None:
        raise LinksError(LinksErrorCode.LINK_INVALID)
    return order


def payment_page(request: HttpRequest, link: SecureLink) -> HttpResponse:
    from kazan.links.services import secure_link_consume

    business = link.business
    order = _order(link)
    error = ""
    if request.method == "POST" and order.status == OrderStatus.PENDING:
        try:
            url = order_checkout_start(
                business=business, order=order, return_url=request.build_absolute_uri(request.path)
            )
        except Conflict as exc:
            error = str(exc.message)
        else:
            return HttpResponseRedirect(url)
    if request.GET.get("paid") and order.status == OrderStatus.PENDING:
        order_checkout_reconcile(business=business, order=order)
        order.refresh_from_db()
    paid = order.status not in (OrderStatus.PENDING, OrderStatus.CANCELLED)
    if paid and link.used_at is None and order.paid_at is not None:
        secure_link_consume(link=link)
    return page_render(
        request,
        "commerce/link_payment.html",
        {
            "order": order,
            "items": order_items(order=order),
            "error": error,
            "payable": order.status == OrderStatus.PENDING
            and order.payment_method == PaymentMethod.ONLINE,
            "on_delivery": order.payment_method == PaymentMethod.ON_DELIVERY,
            "returned": bool(request.GET.get("paid")),
        },
        link=link,
    )


def invoice_page(request: HttpRequest, link: SecureLink) -> HttpResponse:
    business = link.business
    order = _order(link)
    invoice = invoice_for(business=business, order=order)
    if invoice is None:
        return page_render(
            request,
            "commerce/link_invoice.html",
            {"order": order},
            link=link,
        )
    response = HttpResponse(
        invoice_pdf(business=business, order=order), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="invoice-{invoice.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response

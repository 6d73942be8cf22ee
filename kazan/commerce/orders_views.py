"""Order pages of the business dashboard: the list (filters, bulk status change, export), one
order (lines, history, notes, status change with tracking code, invoice download) and the
sales overview. Thin: parse, authorize (member_required("orders.manage")), call a query or a
service, render. Every order is loaded with request.business, so another tenant's id is 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kazan.analytics.enums import ExportKind
from kazan.commerce.models import Order, OrderStatus
from kazan.commerce.orders_forms import (
    BulkStatusForm,
    NoteForm,
    OrderFilterForm,
    StatusForm,
)
from kazan.commerce.queries import orders as queries
from kazan.commerce.services import invoices, orders
from kazan.commerce.services.orders import TRANSITIONS
from kazan.core.errors import KazanError
from kazan.core.money import minor_digits, money_format
from kazan.core.paging import query_without_page
from kazan.customers.export_views import list_export_request
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PAGE_SIZE = 30


def _bounds(request: BusinessRequest, since: dt.date | None, until: dt.date | None):
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    end = (
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    )
    return start, end


@member_required("orders.manage")
@require_GET
def order_list(request: BusinessRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET or None)
    found = Order.objects.none()
    if not form.is_bound:
        found = queries.orders_list(business=request.business)
    elif form.is_valid():
        since, until = _bounds(
            request, form.cleaned_data.get("since"), form.cleaned_data.get("until")
        )
        found = queries.orders_list(
            business=request.business,
            status=form.cleaned_data["status"],
            payment_method=form.cleaned_data["payment_method"],
            search=form.cleaned_data["q"],
            since=since,
            until=until,
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "commerce/orders_list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "statuses": OrderStatus.choices,
            "can_export": request.membership.can("customers.export"),
        },
    )


@member_required("orders.manage")
@require_GET
def order_detail(request: BusinessRequest, order_id: int) -> HttpResponse:
    if queries.order_is_token(business=request.business, order_id=order_id):
        return redirect("queue:detail", token_order_id=order_id)  # the queue's page shows it
    order = queries.order_get(business=request.business, order_id=order_id)
    allowed = TRANSITIONS[order.status]
    return render(
        request,
        "commerce/order_detail.html",
        {
            "order": order,
            "items": queries.order_items(order=order),
            "events": queries.order_events(order=order),
            "invoice": queries.invoice_for(business=request.business, order=order),
            "status_form": StatusForm(initial={"tracking_code": order.tracking_code}),
            "next_statuses": [
                (value, label) for value, label in OrderStatus.choices if value in allowed
            ],
            "note_form": NoteForm(),
        },
    )


@member_required("orders.manage")
@require_POST
def order_status(request: BusinessRequest, order_id: int) -> HttpResponse:
    order = queries.order_get(business=request.business, order_id=order_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a valid status."))
        return redirect("orders:detail", order_id=order.pk)
    try:
        orders.order_status_change(
            business=request.business,
            order=order,
            to_status=form.cleaned_data["status"],
            actor=request.user,
            note=form.cleaned_data["note"],
            tracking_code=form.cleaned_data["tracking_code"],
        )
    except KazanError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The order's status was changed and the customer told."))
    return redirect("orders:detail", order_id=order.pk)


@member_required("orders.manage")
@require_POST
def order_note(request: BusinessRequest, order_id: int) -> HttpResponse:
    order = queries.order_get(business=request.business, order_id=order_id)
    form = NoteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a note of at most 2000 characters."))
    else:
        try:
            orders.order_note_add(
                business=request.business,
                order=order,
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except KazanError as exc:
            messages.error(request, str(exc.message))
    return redirect("orders:detail", order_id=order.pk)


@member_required("orders.manage")
@require_GET
def order_invoice(request: BusinessRequest, order_id: int) -> HttpResponse:
    order = queries.order_get(business=request.business, order_id=order_id)
    invoice = queries.invoice_for(business=request.business, order=order)
    pdf = invoices.invoice_pdf(business=request.business, order=order)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"invoice-{invoice.number}.pdf" if invoice else f"order-{order.number}-proforma.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@member_required("orders.manage")
@require_POST
def orders_bulk(request: BusinessRequest) -> HttpResponse:
    form = BulkStatusForm(request.POST)
    if not form.is_valid() or not form.order_ids():
        messages.error(request, _("Choose some orders and a status."))
        return redirect("orders:list")
    result = orders.orders_bulk_status(
        business=request.business,
        order_ids=form.order_ids(),
        to_status=form.cleaned_data["status"],
        actor=request.user,
    )
    if result.changed:
        messages.success(request, _("%(count)d orders changed.") % {"count": len(result.changed)})
    for number, why in sorted(result.refused.items()):
        messages.error(request, _("Order %(number)s: %(why)s") % {"number": number, "why": why})
    return redirect("orders:list")


@member_required("customers.export")
@require_POST
def orders_export(request: BusinessRequest) -> HttpResponse:
    return list_export_request(
        request, filter_form=OrderFilterForm, kind=ExportKind.ORDERS, back="orders:list"
    )


PERIODS = {"7": 7, "30": 30, "90": 90}


@member_required("orders.manage")
@require_GET
def orders_overview(request: BusinessRequest) -> HttpResponse:
    """Sales metrics over the last 7/30/90 days with a daily trend chart."""
    from kazan.conversations.queries import conversations_started_count

    days = PERIODS.get(request.GET.get("days", "30"), 30)
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    today = timezone.now().astimezone(tz).date()
    since = dt.datetime.combine(today - dt.timedelta(days=days - 1), dt.time.min, tzinfo=tz)
    until = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    metrics = queries.sales_metrics(
        business=request.business,
        since=since,
        until=until,
        conversations=conversations_started_count(
            business=request.business, since=since, until=until
        ),
    )
    from django.utils.formats import date_format

    chart = {
        "labels": [date_format(day, "SHORT_DATE_FORMAT") for day, _n, _m in metrics.trend],
        "datasets": [
            {"label": _("Orders"), "data": [n for _day, n, _m in metrics.trend], "axis": "y"},
            {
                "label": _("Revenue"),
                "data": [m / 10 ** minor_digits(metrics.currency) for _day, _n, m in metrics.trend],
                "axis": "money",
            },
        ],
    }
    return render(
        request,
        "commerce/orders_overview.html",
        {
            "metrics": metrics,
            "days": days,
            "periods": PERIODS,
            "revenue": money_format(metrics.revenue_minor, metrics.currency),
            "average": money_format(metrics.average_minor, metrics.currency),
            "chart": chart,
        },
    )

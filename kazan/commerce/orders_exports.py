"""The "orders" export: a business's orders as CSV or Excel with the dashboard list's filters
(period, status, payment method). The customer appears by name only; contacts never.
Registered with analytics' export registry from CommerceConfig.ready()."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kazan.analytics.enums import ExportKind
from kazan.analytics.exports import (
    CHUNK_SIZE,
    Cell,
    ExportFilters,
    Table,
    date_range,
    export_choices_clean,
    export_kind_register,
    local_naive,
)
from kazan.commerce.models import Order, OrderStatus, PaymentMethod
from kazan.commerce.queries.orders import orders_list
from kazan.core.money import minor_digits

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

LABELS: dict[str, str | Promise] = {
    "status": gettext_lazy("Status"),
    "payment_method": gettext_lazy("Payment"),
}
_CHOICES = {
    "status": frozenset(OrderStatus.values),
    # Token orders are not money: they export from the queue's page.
    "payment_method": frozenset(PaymentMethod.values) - {PaymentMethod.TOKENS},
}


def orders_filters_clean(*, business: Business | None, given: dict[str, object]) -> ExportFilters:
    return export_choices_clean(given, _CHOICES, LABELS)


def orders_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """The business's orders, newest first, placed in [since, until] (its local days)."""
    assert business is not None  # the registry's rule: "required"
    tz = zoneinfo.ZoneInfo(business.timezone)
    since, until = date_range(filters, tz)
    orders = orders_list(
        business=business,
        status=str(filters.get("status", "")),
        payment_method=str(filters.get("payment_method", "")),
        since=since,
        until=until,
    )
    statuses = dict(OrderStatus.choices)
    methods = dict(PaymentMethod.choices)

    def amount(minor: int, currency: str) -> Decimal:
        return Decimal(minor).scaleb(-minor_digits(currency))

    def rows() -> Iterator[list[Cell]]:
        for order in orders.iterator(chunk_size=CHUNK_SIZE):
            yield [
                order.number,
                local_naive(order.created_at, tz),
                order.customer.name if order.customer else "",
                str(statuses.get(order.status, order.status)),
                str(methods.get(order.payment_method, order.payment_method)),
                order.channel,
                getattr(order, "line_count", 0),
                amount(order.subtotal_minor, order.currency),
                amount(order.discount_minor, order.currency),
                amount(order.total_minor, order.currency),
                order.currency,
                order.tracking_code,
            ]

    return Table(
        title=_("Orders of %(business)s") % {"business": business.name},
        headers=[
            _("Number"),
            _("Placed (%(tz)s)") % {"tz": business.timezone},
            _("Customer"),
            _("Status"),
            _("Payment"),
            _("Channel"),
            _("Lines"),
            _("Subtotal"),
            _("Discounts"),
            _("Total"),
            _("Currency"),
            _("Tracking code"),
        ],
        rows=rows(),
        widths=[0.8, 1.6, 2, 1.2, 1.4, 1, 0.6, 1, 1, 1, 0.8, 1.5],
    )


def export_kinds_register() -> None:
    export_kind_register(
        ExportKind.ORDERS,
        orders_source,
        filters=frozenset({"since", "until", *LABELS}),
        business="required",
        clean=orders_filters_clean,
        labels=LABELS,
    )


def token_orders_table(*, business: Business, orders: Iterable[Order]) -> Table:
    """Token orders of the queue (seed 004) as a table: whole tokens, never money; the customer
    and the profile by name only."""
    from kazan.commerce.queries.queue import token_status_label

    tz = zoneinfo.ZoneInfo(business.timezone)

    def rows() -> Iterator[list[Cell]]:
        for order in orders:
            yield [
                order.number,
                local_naive(order.created_at, tz),
                order.customer.name if order.customer else "",
                order.profile.full_name if order.profile else "",
                order.package.name if order.package else "",
                order.sites_count,
                order.email_confirmation,
                order.total_minor,
                order.subscriber_price,
                _("Priority") if order.priority else _("Regular"),
                getattr(order, "position", None),
                token_status_label(order.status),
                order.operator.get_full_name() if order.operator else "",
                local_naive(order.completed_at, tz),
                order.rerun_of.number if order.rerun_of else None,
            ]

    return Table(
        title=_("Token orders of %(business)s") % {"business": business.name},
        headers=[
            _("Number"),
            _("Placed (%(tz)s)") % {"tz": business.timezone},
            _("Customer"),
            _("Profile"),
            _("Package"),
            _("Sites"),
            _("Email confirmation"),
            _("Tokens"),
            _("Subscriber price"),
            _("Lane"),
            _("Position"),
            _("Status"),
            _("Operator"),
            _("Completed (%(tz)s)") % {"tz": business.timezone},
            _("Rerun of"),
        ],
        rows=rows(),
    )

"""Orders API (/api/v1/orders): the team's orders (API key or session, permission
orders.manage): list with filters, one order with its lines and history, a status change
(the customer is told, as from the dashboard) and notes. Another business's ids are 404."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kazan.commerce.models import OrderStatus, PaymentMethod
from kazan.commerce.queries import orders as queries
from kazan.commerce.services import orders as services
from kazan.core.api import Pagination, Timestamp, Unprocessable, responses
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

router = api_limits_apply(Router(tags=["orders"]))
PERMISSION = "orders.manage"


class OrderLineOut(Schema):
    product_id: int | None
    variant_id: int | None
    name: str
    sku: str
    quantity: int
    unit_price_minor: int
    discount_minor: int
    total_minor: int


class OrderEventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    note: str
    actor_kind: str
    created_at: dt.datetime


class OrderOut(Schema):
    id: int
    number: int
    status: str
    channel: str
    customer_id: int | None
    currency: str
    subtotal_minor: int
    discount_minor: int
    total_minor: int
    payment_method: str
    paid_at: dt.datetime | None
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None
    cancelled_at: dt.datetime | None
    tracking_code: str
    created_at: dt.datetime


class OrderDetailOut(OrderOut):
    lines: list[OrderLineOut]
    history: list[OrderEventOut]
    invoice_number: int | None


class OrderFilters(InputSchema):
    status: OrderStatus | None = None
    payment_method: PaymentMethod | None = None
    q: str = Field(
        "", max_length=254, description="Customer name, exact phone or email, or #number."
    )
    since: Timestamp | None = Field(None, description="Placed at or after.")
    until: Timestamp | None = Field(None, description="Placed before.")


class StatusIn(InputSchema):
    status: OrderStatus
    tracking_code: str = Field("", max_length=120)
    note: str = Field("", max_length=2000)


class NoteIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=2000)


def _detail(business, order) -> OrderDetailOut:
    invoice = queries.invoice_for(business=business, order=order)
    return OrderDetailOut(
        **OrderOut.from_orm(order).dict(),
        lines=[OrderLineOut.from_orm(item) for item in queries.order_items(order=order)],
        history=[OrderEventOut.from_orm(event) for event in queries.order_events(order=order)],
        invoice_number=invoice.number if invoice else None,
    )


@router.get("", auth=tenant_auth, response=responses(list[OrderOut], 422), summary="List orders")
@paginate(Pagination)
def orders_list(request: HttpRequest, filters: Query[OrderFilters]):
    business = api_require(request, PERMISSION)
    if filters.payment_method == PaymentMethod.TOKENS:
        # Token orders are the queue's (/api/v1/queue/orders), with its own permissions.
        raise Unprocessable(_("Token orders are listed by the queue, not the shop's orders."))
    return queries.orders_list(
        business=business,
        status=filters.status or "",
        payment_method=filters.payment_method or "",
        search=filters.q,
        since=filters.since,
        until=filters.until,
    )


@router.get(
    "/{int:order_id}",
    auth=tenant_auth,
    response=responses(OrderDetailOut, 404),
    summary="One order with its lines and history",
)
def order_get(request: HttpRequest, order_id: int):
    business = api_require(request, PERMISSION)
    return _detail(business, queries.order_get(business=business, order_id=order_id))


@router.post(
    "/{int:order_id}/status",
    auth=tenant_auth,
    response=responses(OrderDetailOut, 404, 409, 422),
    summary="Change an order's status (the customer is told)",
    description="409 `order_status_transition` when the order cannot go to that status.",
)
def order_status(request: HttpRequest, order_id: int, payload: StatusIn):
    business = api_require(request, PERMISSION)
    order = queries.order_get(business=business, order_id=order_id)
    actor = api_actor(request)
    order = services.order_status_change(
        business=business,
        order=order,
        to_status=payload.status,
        actor=actor.get("actor"),
        actor_kind=(actor.get("actor_kind") or "member")[:32],
        note=payload.note,
        tracking_code=payload.tracking_code,
    )
    return _detail(business, order)


@router.post(
    "/{int:order_id}/notes",
    auth=tenant_auth,
    response=responses(OrderEventOut, 404, 422, ok_status=201),
    summary="Add a note to an order's history",
)
def order_note(request: HttpRequest, order_id: int, payload: NoteIn):
    business = api_require(request, PERMISSION)
    order = queries.order_get(business=business, order_id=order_id)
    actor = api_actor(request)
    event = services.order_note_add(
        business=business,
        order=order,
        note=payload.note,
        actor=actor.get("actor"),
        actor_kind=actor.get("actor_kind") or None,
    )
    return Status(201, OrderEventOut.from_orm(event))

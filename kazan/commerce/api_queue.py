"""The order queue's API (/api/v1/queue, seed 004 §10.1 "Order Management"): token orders with
the queue's filters, a status change (`PUT …/{id}/status`), an assignment (`POST …/{id}/
assign`), a cancellation with refund (`DELETE …/{id}`), moves, reruns, notes, and the packages.
API keys act with a manager's rights (queue.manage); a signed-in operator (queue.work) may
read, take, note and complete their own orders, as in the dashboard. Another business's ids
are 404; every answer carries the rate-limit headers."""

import datetime as dt
from typing import TYPE_CHECKING, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from kazan.commerce import services
from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Order
from kazan.commerce.queries import orders as order_queries
from kazan.commerce.queries import queue as queries
from kazan.commerce.queue_access import MANAGE, WORK, queue_allows
from kazan.commerce.services import packages as package_services
from kazan.core.api import Pagination, Timestamp, responses
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

router = api_limits_apply(Router(tags=["queue"]))
TokenStatus = Literal["pending", "processing", "assigned", "completed", "cancelled"]


class PackageOut(Schema):
    id: int
    name: str
    sites: int
    price_tokens: int
    subscriber_price_tokens: int
    active: bool


class TokenOrderOut(Schema):
    id: int
    number: int
    status: str
    customer_id: int | None
    profile_id: int | None
    package_id: int | None
    sites_count: int | None
    email_confirmation: bool
    tokens: int = Field(..., description="Tokens charged (0 for a free rerun).")
    subscriber_price: bool
    priority: bool = Field(..., description="In the priority lane (a premium customer).")
    position: int | None = Field(None, description="1 = next; null once out of the queue.")
    operator_id: int | None
    rerun_of_id: int | None
    channel: str
    created_at: dt.datetime
    assigned_at: dt.datetime | None
    completed_at: dt.datetime | None
    cancelled_at: dt.datetime | None

    @staticmethod
    def resolve_tokens(order: Order) -> int:
        return order.total_minor


class EventOut(Schema):
    kind: str
    from_status: str
    to_status: str
    note: str
    actor_kind: str
    created_at: dt.datetime


class TokenOrderDetailOut(TokenOrderOut):
    history: list[EventOut]


class QueueFilters(InputSchema):
    status: TokenStatus | Literal["all", "open"] = Field(
        "open", description="open: waiting, processing or assigned."
    )
    operator_id: int | None = Field(None, ge=1, le=2**62)
    lane: Literal["priority", "regular"] | None = None
    q: str = Field(
        "",
        max_length=254,
        description="Customer name, exact phone or email, profile name, #number.",
    )
    since: Timestamp | None = Field(None, description="Placed at or after.")
    until: Timestamp | None = Field(None, description="Placed before.")
    sort: Literal[
        "position",
        "created",
        "package",
        "status",
        "operator",
        "tokens",
        "-position",
        "-created",
        "-package",
        "-status",
        "-operator",
        "-tokens",
    ] = "position"


class StatusIn(InputSchema):
    status: TokenStatus
    note: str = Field("", max_length=2000)


class AssignIn(InputSchema):
    operator_id: int = Field(..., ge=1, le=2**62, description="A team member who works the queue.")


class MoveIn(InputSchema):
    position: int = Field(..., ge=1, le=1_000_000)


class NoteIn(InputSchema):
    note: str = Field(..., min_length=1, max_length=2000)


def _order(request: HttpRequest, token_order_id: int, action: str) -> tuple["Business", Order]:
    """The business's token order, if the caller may do `action` with it."""
    business = api_require(request, WORK)
    order = queries.token_order_get(business=business, order_id=token_order_id)
    principal = request.auth  # type: ignore[attr-defined]
    user = getattr(principal, "user", None)
    if not queue_allows(
        can=principal.can, user_id=user.pk if user else None, order=order, action=action
    ):
        raise PermissionDenied()
    return business, order


def _detail(business: "Business", order_id: int) -> TokenOrderDetailOut:
    order = queries.token_order_get(business=business, order_id=order_id)
    order.history = list(order_queries.order_events(order=order))  # type: ignore[attr-defined]
    return TokenOrderDetailOut.from_orm(order)


def _actor(request: HttpRequest) -> dict:
    actor = api_actor(request)
    return {"actor": actor.get("actor"), "actor_kind": (actor.get("actor_kind") or None)}


@router.get(
    "/orders",
    auth=tenant_auth,
    response=responses(list[TokenOrderOut], 422),
    summary="List token orders (the queue)",
)
@paginate(Pagination)
def queue_list(request: HttpRequest, filters: Query[QueueFilters]):
    business = api_require(request, WORK)
    return queries.queue_orders(
        business=business,
        status="" if filters.status == "open" else filters.status,
        operator_id=filters.operator_id,
        lane=filters.lane or "",
        search=filters.q,
        since=filters.since,
        until=filters.until,
        sort=filters.sort,
    )


@router.get(
    "/orders/{int:token_order_id}",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 404),
    summary="One token order with its history",
)
def queue_get(request: HttpRequest, token_order_id: int):
    business, order = _order(request, token_order_id, "view")
    return _detail(business, order.pk)


@router.put(
    "/orders/{int:token_order_id}/status",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404, 409, 422),
    summary="Change a token order's status (the customer is told)",
    description="`completed` by the assigned operator or an admin; `cancelled` refunds the "
    "tokens once; `assigned` needs an operator (use /assign). 409 `order_status_transition` "
    "when the order cannot go to that status.",
)
def queue_status(request: HttpRequest, token_order_id: int, payload: StatusIn):
    action = "complete" if payload.status == "completed" else "status"
    business, order = _order(request, token_order_id, action)
    principal = request.auth  # type: ignore[attr-defined]
    user = getattr(principal, "user", None)
    own = None if principal.can(MANAGE) else (user.pk if user else None)
    services.token_order_status_set(
        business=business,
        order=order,
        status=payload.status,
        note=payload.note,
        operator_id=own,
        **_actor(request),
    )
    return _detail(business, order.pk)


@router.post(
    "/orders/{int:token_order_id}/assign",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404, 409, 422),
    summary="Assign a token order to an operator",
    description="An operator may assign a waiting order to themself only.",
)
def queue_assign(request: HttpRequest, token_order_id: int, payload: AssignIn):
    principal = request.auth  # type: ignore[attr-defined]
    user = getattr(principal, "user", None)
    taking = user is not None and payload.operator_id == user.pk
    business, order = _order(request, token_order_id, "take" if taking else "assign")
    operator = queries.queue_operator_get(business=business, user_id=payload.operator_id)
    if operator is None:
        raise ValidationFailed(
            _("Only a team member who works the queue can be assigned orders."),
            code=CommerceErrorCode.INVALID_OPERATOR,
        )
    services.token_order_assign(
        business=business,
        order=order,
        operator=operator,
        take=taking and not principal.can(MANAGE),
        **_actor(request),
    )
    return _detail(business, order.pk)


@router.delete(
    "/orders/{int:token_order_id}",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404),
    summary="Cancel a token order and refund its tokens",
    description="The order stays (cancelled, in the history); its tokens go back once, however "
    "often this is called.",
)
def queue_cancel(request: HttpRequest, token_order_id: int):
    business, order = _order(request, token_order_id, "cancel")
    services.token_order_cancel(business=business, order=order, **_actor(request))
    return _detail(business, order.pk)


@router.post(
    "/orders/{int:token_order_id}/move",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404, 409, 422),
    summary="Move a waiting order to a position of the queue",
)
def queue_move(request: HttpRequest, token_order_id: int, payload: MoveIn):
    business, order = _order(request, token_order_id, "move")
    services.queue_move(
        business=business, order=order, position=payload.position, **_actor(request)
    )
    return _detail(business, order.pk)


@router.post(
    "/orders/{int:token_order_id}/rerun",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404, 409, ok_status=201),
    summary="Run a completed order again (a new, free order in the queue)",
)
def queue_rerun(request: HttpRequest, token_order_id: int):
    business, order = _order(request, token_order_id, "rerun")
    rerun = services.token_order_rerun(business=business, order=order, **_actor(request))
    return Status(201, _detail(business, rerun.pk))


@router.post(
    "/orders/{int:token_order_id}/notes",
    auth=tenant_auth,
    response=responses(TokenOrderDetailOut, 403, 404, 422, ok_status=201),
    summary="Add a note to a token order's history",
)
def queue_note(request: HttpRequest, token_order_id: int, payload: NoteIn):
    business, order = _order(request, token_order_id, "note")
    services.token_order_note_add(
        business=business, order=order, note=payload.note, **_actor(request)
    )
    return Status(201, _detail(business, order.pk))


@router.get(
    "/packages",
    auth=tenant_auth,
    response=responses(list[PackageOut]),
    summary="The packages customers may order, with their prices in tokens",
)
def packages_list(request: HttpRequest):
    business = api_require(request, WORK)
    package_services.packages_ensure_defaults(business=business)
    return queries.packages_active(business=business)

"""Reads of token orders and the queue (seed 004): the packages on offer, an order's position
(computed from the lanes and ranks, never stored), a customer's orders with their positions,
and the team's queue list with its filters and sorts. Every read is scoped to one business."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from kazan.commerce.error_codes import CommerceErrorCode
from kazan.commerce.models import Order, OrderStatus, Package, PaymentMethod
from kazan.core.errors import NotFound

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.customers.models import Customer, CustomerProfile
    from kazan.tenancy.models import Business

S = OrderStatus
# Not finished: what the queue page shows unless asked for another status.
OPEN_STATUSES = (S.PENDING, S.PROCESSING, S.ASSIGNED)
LANES = ("priority", "regular")
# The queue list's sorts: a key of the page → the database's order (descending: "-key").
SORTS: dict[str, tuple[str, ...]] = {
    "position": ("in_queue", "-priority", "queue_rank", "created_at", "id"),
    "created": ("created_at", "id"),
    "package": ("sites_count", "id"),
    "status": ("status", "id"),
    "operator": ("operator__name", "id"),
    "tokens": ("total_minor", "id"),
}


def token_status_label(value: str) -> str:
    """A token order's status for people: "pending" waits in the queue (not for a payment)."""
    from django.utils.translation import gettext as _

    if value == S.PENDING:
        return _("Waiting")
    return str(S(value).label) if value in S.values else value


def packages_active(*, business: Business) -> list[Package]:
    """The packages customers may choose, in the business's order."""
    return list(Package.objects.filter(business=business, active=True))


def packages_all(*, business: Business) -> list[Package]:
    """Every package of the business (the settings page), inactive ones included."""
    return list(Package.objects.filter(business=business))


def package_get(*, business: Business, package_id: int) -> Package:
    package = Package.objects.filter(business=business, pk=package_id).first()
    if package is None:
        raise NotFound()
    return package


def _ahead(order: Order) -> Q:
    return Q(priority__gt=order.priority) | Q(
        priority=order.priority, queue_rank__lt=order.queue_rank
    )


def queue_position(*, business: Business, order: Order) -> int | None:
    """Where the order waits (1 = next): the priority lane first, then the regular one, each
    by rank. None once it left the queue (assigned, completed, cancelled)."""
    if order.queue_rank is None or order.business_id != business.pk:
        return None
    return (
        Order.objects.filter(business=business, queue_rank__isnull=False)
        .filter(_ahead(order))
        .count()
        + 1
    )


def queue_snapshot(*, business: Business) -> dict[int, int]:
    """{order id: position} of every waiting order, in one query (for the position notices)."""
    ids = (
        Order.objects.filter(business=business, queue_rank__isnull=False)
        .order_by("-priority", "queue_rank", "id")
        .values_list("pk", flat=True)
    )
    return {pk: index for index, pk in enumerate(ids, start=1)}


def position_annotation() -> Case:
    """The position as a column: 1 + the waiting orders ahead (a correlated count), NULL for
    orders out of the queue. Lists sort by lane and rank instead, which is the same order."""
    ahead = (
        Order.objects.filter(business=OuterRef("business"), queue_rank__isnull=False)
        .filter(
            Q(priority__gt=OuterRef("priority"))
            | Q(priority=OuterRef("priority"), queue_rank__lt=OuterRef("queue_rank"))
        )
        .order_by()
        .values("business")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Case(
        When(queue_rank__isnull=True, then=Value(None)),
        default=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)) + Value(1),
        output_field=IntegerField(),
    )


def token_orders(*, business: Business) -> QuerySet[Order]:
    """The business's token orders with what every list shows joined and the position."""
    return (
        Order.objects.filter(business=business, payment_method=PaymentMethod.TOKENS)
        .select_related("customer", "profile", "package", "operator", "rerun_of")
        .annotate(position=position_annotation())
    )


def token_order_get(*, business: Business, order_id: int) -> Order:
    """One token order of the business (with its position); anything else is NotFound."""
    order = token_orders(business=business).filter(pk=order_id).first()
    if order is None:
        raise NotFound(code=CommerceErrorCode.ORDER_NOT_FOUND)
    return order


@dataclass(frozen=True)
class OrderRow:
    """A customer's token order as the bot lists it."""

    id: int
    number: int
    status: str
    package: str
    sites: int | None
    tokens: int
    email_confirmation: bool
    profile: str
    position: int | None
    created_at: dt.datetime


def customer_token_orders(
    *, business: Business, customer: Customer, limit: int = 10
) -> list[OrderRow]:
    """The customer's latest token orders, newest first, with their queue positions."""
    orders = (
        token_orders(business=business)
        .filter(customer=customer)
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        OrderRow(
            id=order.pk,
            number=order.number,
            status=order.status,
            package=order.package.name if order.package else "",
            sites=order.sites_count,
            tokens=order.total_minor,
            email_confirmation=order.email_confirmation,
            profile=order.profile.full_name if order.profile else "",
            position=order.position,  # type: ignore[attr-defined]
            created_at=order.created_at,
        )
        for order in orders
    ]


def queue_orders(
    *,
    business: Business,
    status: str = "",
    operator_id: int | None = None,
    lane: str = "",
    search: str = "",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    sort: str = "position",
    unassigned: bool = False,
) -> QuerySet[Order]:
    """The team's queue list. `status` "" shows the open orders (waiting, processing,
    assigned), "all" every one; `search` finds a customer (name, exact phone or email), a
    profile's name, or an order by #number. Sorts: SORTS' keys, "-key" descending."""
    from kazan.customers.queries import customer_list

    orders = token_orders(business=business)
    if status == "all":
        pass
    elif status in S.values:
        orders = orders.filter(status=status)
    else:
        orders = orders.filter(status__in=OPEN_STATUSES)
    if operator_id is not None:
        orders = orders.filter(operator_id=operator_id)
    if unassigned:
        orders = orders.filter(operator__isnull=True)
    if lane in LANES:
        orders = orders.filter(priority=lane == "priority")
    if since:
        orders = orders.filter(created_at__gte=since)
    if until:
        orders = orders.filter(created_at__lt=until)
    search = (search or "").strip()
    if search:
        condition = Q(customer_id__in=customer_list(business=business, search=search).values("pk"))
        words = search.split()[:3]
        name = Q()
        for word in words:
            name &= (
                Q(profile__first_name__icontains=word)
                | Q(profile__middle_name__icontains=word)
                | Q(profile__last_name__icontains=word)
            )
        condition |= name
        bare = search.lstrip("#")
        if bare.isascii() and bare.isdigit() and len(bare) < 10:
            condition |= Q(number=int(bare))
        orders = orders.filter(condition)
    key = sort.lstrip("-") if sort else "position"
    fields = SORTS.get(key, SORTS["position"])
    if key == "position":
        orders = orders.annotate(
            in_queue=Case(When(queue_rank__isnull=True, then=Value(1)), default=Value(0))
        )
    if sort.startswith("-") and key in SORTS:
        fields = tuple(f[1:] if f.startswith("-") else f"-{f}" for f in fields)
    return orders.order_by(*fields)


def queue_sort_valid(value: str | None) -> str:
    """The sort asked for if it is one of SORTS (or its descending "-key"), else position."""
    value = (value or "").strip()
    return value if value.lstrip("-") in SORTS else "position"


def queue_counts(*, business: Business) -> dict[str, int]:
    """How many token orders wait, per status, and in the priority lane (the page's header)."""
    rows = (
        Order.objects.filter(
            business=business, payment_method=PaymentMethod.TOKENS, status__in=OPEN_STATUSES
        )
        .values("status")
        .annotate(n=Count("id"))
    )
    counts = {row["status"]: row["n"] for row in rows}
    counts["priority"] = Order.objects.filter(
        business=business, queue_rank__isnull=False, priority=True
    ).count()
    return counts


def queue_operators(*, business: Business) -> list[tuple[int, str]]:
    """(user id, name) of the members who may work the queue, for the assign menus."""
    from kazan.tenancy.queries import team_members

    return sorted(
        (
            (member.user_id, member.user.get_full_name())
            for member in team_members(business=business)
            if member.can("queue.work")
        ),
        key=lambda row: row[1].casefold(),
    )


def queue_operator_get(*, business: Business, user_id: int | None) -> User | None:
    """The member with that user id if they may work the queue, else None."""
    from kazan.tenancy.queries import team_members

    if user_id is None:
        return None
    member = team_members(business=business).filter(user_id=user_id).first()
    return member.user if member is not None and member.can("queue.work") else None


def token_orders_open_for_profile(*, business: Business, profile: CustomerProfile) -> bool:
    """Whether an open token order (pending, processing, assigned) is for the profile: the
    operator still needs its details, so it may not be deleted yet."""
    return Order.objects.filter(
        business=business,
        profile=profile,
        payment_method=PaymentMethod.TOKENS,
        status__in=(OrderStatus.PENDING, OrderStatus.PROCESSING, OrderStatus.ASSIGNED),
    ).exists()

"""The order queue in the business dashboard (/dashboard/queue/, seed 004 §3.4.2): the queue's
dense table (sort, filters, inline status change with htmx, a menu per row, bulk actions with a
CSV export), an order's page (profile, history, notes), an operator's "My orders" and the
packages settings. Thin: parse, authorize (queue_access), call a query or a service, render.
Every order is loaded with request.business, so another tenant's id is a 404."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.commerce import services
from kazan.commerce.models import Order, OrderStatus
from kazan.commerce.orders_exports import token_orders_table
from kazan.commerce.queries import orders as order_queries
from kazan.commerce.queries import queue as queries
from kazan.commerce.queue_access import MANAGE, WORK, queue_allows
from kazan.commerce.queue_forms import (
    AddonForm,
    AssignForm,
    BulkForm,
    CancelForm,
    MoveForm,
    PackageForm,
    QueueFilterForm,
    TokenStatusForm,
    token_status_choices,
)
from kazan.commerce.services import packages as package_services
from kazan.core.errors import KazanError, PermissionDenied
from kazan.core.paging import query_without_page, sort_links
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PAGE_SIZE = 50
# Column → the sort a first click gives (the queue's order, newest, biggest first...).
SORTABLE = {
    "position": "position",
    "created": "-created",
    "package": "package",
    "status": "status",
    "operator": "operator",
    "tokens": "-tokens",
}


def _may(request: BusinessRequest, order: Order, action: str) -> bool:
    return queue_allows(
        can=request.membership.can, user_id=request.user.pk, order=order, action=action
    )


def _require(request: BusinessRequest, order: Order, action: str) -> None:
    if not _may(request, order, action):
        raise PermissionDenied()


def _back(request: BusinessRequest, order: Order | None = None) -> HttpResponseRedirect:
    """Where a row action returns: the list it came from (a path of the queue pages only),
    else the order's page."""
    target = request.POST.get("next", "")
    if target.startswith(reverse("queue:list")) and "//" not in target and "\\" not in target:
        return HttpResponseRedirect(target)
    if order is not None:
        return redirect("queue:detail", token_order_id=order.pk)
    return redirect("queue:list")


def _bounds(request: BusinessRequest, since: dt.date | None, until: dt.date | None):
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    end = (
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    )
    return start, end


def _row_context(
    request: BusinessRequest, operators: list[tuple[int, str]], next_url: str = ""
) -> dict[str, Any]:
    return {
        "manage": request.membership.can(MANAGE),
        "operators": operators,
        "statuses": token_status_choices(),
        "next_url": next_url or request.get_full_path(),
    }


def _decorate(request: BusinessRequest, orders: Any) -> None:
    """What the operator's buttons of each row may offer (admins use the status menu)."""
    manage = request.membership.can(MANAGE)
    for order in orders:
        order.may_complete = not manage and _may(request, order, "complete")
        order.may_take = not manage and _may(request, order, "take")


def _list(request: BusinessRequest, *, mine: bool) -> HttpResponse:
    operators = queries.queue_operators(business=request.business)
    form = QueueFilterForm(request.GET or None, operators=operators)
    sort = queries.queue_sort_valid(request.GET.get("sort"))
    found = Order.objects.none()
    status = 400
    if not form.is_bound or form.is_valid():
        status = 200
        data = form.cleaned_data if form.is_bound else {}
        since, until = _bounds(request, data.get("since"), data.get("until"))
        found = queries.queue_orders(
            business=request.business,
            status=data.get("status", ""),
            operator_id=request.user.pk if mine else form.operator_id() if form.is_bound else None,
            unassigned=bool(data.get("operator") == "none") and not mine,
            lane=data.get("lane", ""),
            search=data.get("q", ""),
            since=since,
            until=until,
            sort=sort,
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    _decorate(request, page.object_list)
    return render(
        request,
        "commerce/queue/list.html",
        {
            "form": form,
            "page": page,
            "mine": mine,
            "query": query_without_page(request),
            "sort_links": sort_links(request, sort, SORTABLE),
            "counts": queries.queue_counts(business=request.business),
            "bulk_form": BulkForm(operators=operators),
            **_row_context(request, operators),
        },
        status=status,
    )


@member_required(WORK)
@require_GET
def queue_list(request: BusinessRequest) -> HttpResponse:
    return _list(request, mine=False)


@member_required(WORK)
@require_GET
def queue_mine(request: BusinessRequest) -> HttpResponse:
    """An operator's own orders (assigned to them), open ones unless filtered."""
    return _list(request, mine=True)


@member_required(WORK)
@require_GET
def queue_detail(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    from kazan.customers.addresses import customer_address

    order = queries.token_order_get(business=request.business, order_id=token_order_id)
    operators = queries.queue_operators(business=request.business)
    profile = order.profile
    return render(
        request,
        "commerce/queue/detail.html",
        {
            "order": order,
            "profile": profile,
            # The profile's address has Customer.address's shape (encrypted JSON).
            "address": customer_address(profile) if profile else {},  # type: ignore[arg-type]
            "show_password": _may(request, order, "password"),
            # The buttons only where the order's state allows them (admins may do anything).
            "may_complete": order.status == OrderStatus.ASSIGNED
            and _may(request, order, "complete"),
            "may_take": order.queue_rank is not None
            and order.operator_id != request.user.pk
            and _may(request, order, "take"),
            "items": order_queries.order_items(order=order),
            "events": order_queries.order_events(order=order),
            "reruns": order.reruns.order_by("id"),
            "assign_form": AssignForm(operators=operators),
            "move_form": MoveForm(initial={"position": order.position}),  # type: ignore[attr-defined]
            "status_form": TokenStatusForm(initial={"status": order.status}),
            "cancel_form": CancelForm(),
            **_row_context(request, operators),
        },
    )


def _order(request: BusinessRequest, order_id: int) -> Order:
    return queries.token_order_get(business=request.business, order_id=order_id)


def _done(
    request: BusinessRequest, order: Order, error: str = "", success: str = ""
) -> HttpResponse:
    """After a row action: htmx gets the row again (with the error, if any), a form post a
    message and a redirect."""
    if request.htmx:
        fresh = _order(request, order.pk)
        _decorate(request, [fresh])
        operators = queries.queue_operators(business=request.business)
        back = request.POST.get("next", "")
        html = render_to_string(
            "commerce/queue/_row.html",
            {
                "order": fresh,
                "row_error": error,
                **_row_context(
                    request, operators, back if back.startswith(reverse("queue:list")) else ""
                ),
            },
            request=request,
        )
        return HttpResponse(html)
    if error:
        messages.error(request, error)
    elif success:
        messages.success(request, success)
    return _back(request, order)


@member_required(WORK)
@require_POST
def queue_status(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    """The inline status change: any allowed status for admins, "completed" for the operator
    of an assigned order."""
    order = _order(request, token_order_id)
    form = TokenStatusForm(request.POST)
    if not form.is_valid():
        return _done(request, order, error=_("Choose a valid status."))
    target = form.cleaned_data["status"]
    _require(request, order, "complete" if target == OrderStatus.COMPLETED else "status")
    manage = request.membership.can(MANAGE)
    try:
        services.token_order_status_set(
            business=request.business,
            order=order,
            status=target,
            actor=request.user,
            note=form.cleaned_data["note"],
            operator_id=None if manage else request.user.pk,
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    return _done(request, order, success=_("The status was changed and the customer told."))


@member_required(WORK)
@require_POST
def queue_assign(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    """Admins assign to any operator; an operator takes a waiting order for themself."""
    order = _order(request, token_order_id)
    operators = queries.queue_operators(business=request.business)
    take = bool(request.POST.get("take")) and not request.membership.can(MANAGE)
    if request.POST.get("take"):
        _require(request, order, "take")
        operator_id = request.user.pk
    else:
        _require(request, order, "assign")
        form = AssignForm(request.POST, operators=operators)
        if not form.is_valid():
            return _done(request, order, error=_("Choose an operator."))
        operator_id = form.cleaned_data["operator"]
    operator = queries.queue_operator_get(business=request.business, user_id=operator_id)
    if operator is None:
        return _done(request, order, error=_("Choose an operator."))
    try:
        services.token_order_assign(
            business=request.business, order=order, operator=operator, actor=request.user, take=take
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    return _done(request, order, success=_("The order was assigned."))


@member_required(MANAGE)
@require_POST
def queue_move(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    order = _order(request, token_order_id)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return _done(request, order, error=_("Give a position of 1 or more."))
    try:
        services.queue_move(
            business=request.business,
            order=order,
            position=form.cleaned_data["position"],
            actor=request.user,
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    return _done(request, order, success=_("The order was moved."))


@member_required(WORK)
@require_POST
def queue_note(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    order = _order(request, token_order_id)
    _require(request, order, "note")
    try:
        services.token_order_note_add(
            business=request.business,
            order=order,
            actor=request.user,
            note=request.POST.get("note", "")[:4000],
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    return _done(request, order, success=_("The note was added."))


@member_required(MANAGE)
@require_POST
def queue_cancel(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    order = _order(request, token_order_id)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        services.token_order_cancel(
            business=request.business, order=order, actor=request.user, reason=reason
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    return _done(request, order, success=_("The order was cancelled and its tokens refunded."))


@member_required(MANAGE)
@require_POST
def queue_rerun(request: BusinessRequest, token_order_id: int) -> HttpResponse:
    order = _order(request, token_order_id)
    try:
        rerun = services.token_order_rerun(
            business=request.business, order=order, actor=request.user
        )
    except KazanError as exc:
        return _done(request, order, error=str(exc.message))
    messages.success(
        request,
        _("Order %(number)s is back in the queue as order %(new)s.")
        % {"number": order.number, "new": rerun.number},
    )
    return redirect("queue:detail", token_order_id=rerun.pk)


@member_required(MANAGE)
@require_POST
def queue_bulk(request: BusinessRequest) -> HttpResponse:
    """Assign, change the status of, cancel (with refunds) or export the ticked orders."""
    operators = queries.queue_operators(business=request.business)
    form = BulkForm(request.POST, operators=operators)
    if not form.is_valid() or not form.order_ids():
        messages.error(request, _("Choose some orders and what to do with them."))
        return _back(request)
    action = form.cleaned_data["action"]
    if action == "export":
        return _export(request, form.order_ids())
    operator = None
    if action == "assign":
        operator = queries.queue_operator_get(
            business=request.business, user_id=form.cleaned_data["operator"]
        )
    result = services.token_orders_bulk(
        business=request.business,
        order_ids=form.order_ids(),
        action=action,
        actor=request.user,
        status=form.cleaned_data.get("status") or "",
        operator=operator,
    )
    if result.changed:
        messages.success(request, _("%(count)d orders changed.") % {"count": len(result.changed)})
    for number, why in sorted(result.refused.items()):
        messages.error(request, _("Order %(number)s: %(why)s") % {"number": number, "why": why})
    return _back(request)


def _export(request: BusinessRequest, order_ids: list[int]) -> HttpResponse:
    from kazan.activity.services import activity_record
    from kazan.commerce.exports import table_file

    orders = queries.token_orders(business=request.business).filter(pk__in=order_ids)
    content, content_type, name = table_file(
        token_orders_table(business=request.business, orders=orders.order_by("number")),
        file_format="csv",
        basename=f"token-orders-{request.business.slug}-{timezone.localdate():%Y-%m-%d}",
    )
    activity_record(
        business=request.business,
        actor=request.user,
        action="commerce.token_orders_exported",
        data={"count": orders.count()},  # the rows exported, not the ids asked for
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- packages --------------------------------------------------------------------------------


@member_required(MANAGE)
@require_http_methods(["GET", "POST"])
def packages_page(request: BusinessRequest) -> HttpResponse:
    """The packages and the add-on's prices; POST adds a package."""
    package_services.packages_ensure_defaults(business=request.business)
    settings = order_queries.commerce_settings_for(business=request.business)
    new_form = PackageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if new_form.is_valid():
            try:
                package_services.package_create(
                    business=request.business,
                    actor=request.user,
                    **{k: v for k, v in new_form.cleaned_data.items() if k != "active"},
                )
            except KazanError as exc:
                messages.error(request, str(exc.message))
                status = exc.status
            else:
                messages.success(request, _("The package was added."))
                return redirect("queue:packages")
        else:
            status = 400
    packages = queries.packages_all(business=request.business)
    return render(
        request,
        "commerce/queue/packages.html",
        {
            "rows": [
                (
                    package,
                    PackageForm(
                        initial={
                            "name": package.name,
                            "sites": package.sites,
                            "price_tokens": package.price_tokens,
                            "subscriber_price_tokens": package.subscriber_price_tokens,
                            "active": package.active,
                        },
                        prefix=f"p{package.pk}",
                    ),
                )
                for package in packages
            ],
            "new_form": new_form,
            "addon_form": AddonForm(
                initial={
                    "email_addon_tokens": settings.email_addon_tokens,
                    "email_addon_subscriber_tokens": settings.email_addon_subscriber_tokens,
                }
            ),
        },
        status=status,
    )


@member_required(MANAGE)
@require_POST
def package_edit(request: BusinessRequest, package_id: int) -> HttpResponse:
    package = queries.package_get(business=request.business, package_id=package_id)
    form = PackageForm(request.POST, prefix=f"p{package.pk}")
    if not form.is_valid():
        messages.error(request, _("Check the package's name, sites and prices."))
        return redirect("queue:packages")
    try:
        package_services.package_update(
            business=request.business, package=package, actor=request.user, **form.cleaned_data
        )
    except KazanError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The package was saved."))
    return redirect("queue:packages")


@member_required(MANAGE)
@require_POST
def addon_edit(request: BusinessRequest) -> HttpResponse:
    form = AddonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the add-on's prices in whole tokens."))
        return redirect("queue:packages")
    try:
        package_services.addon_prices_set(
            business=request.business, actor=request.user, **form.cleaned_data
        )
    except KazanError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The add-on's prices were saved."))
    return redirect("queue:packages")

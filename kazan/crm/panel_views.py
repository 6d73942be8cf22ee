"""The Telegram CRM admin panel (seed 004 §3.4) under /dashboard/crm/: the overview (figures,
charts, health, alerts, live), the users list and a user's page with its actions. Thin:
parse, authorize, call a query or a service, render.

Who sees what: the overview needs `queue.work` (operators, managers, owners); the money, the
users and the payment alerts need `queue.manage` (an operator sees the queue's figures only).
The users pages need `queue.manage`, and each action its own permission: suspension and
profiles `customers.edit`, notifications `messaging.send`, the activity log `activity.view`;
the token balance and premium are the wallet's own panel (`wallet.adjust` for its forms).
Every user is loaded with request.business, so another tenant's id is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.activity.queries import activity_list
from kazan.core.errors import KazanError
from kazan.core.paging import query_without_page, sort_links
from kazan.crm import panel_queries as queries
from kazan.crm.panel_forms import (
    NotifyForm,
    ProfileForm,
    TestNotifyForm,
    UserFilterForm,
)
from kazan.crm.panel_services import crm_test_notify, crm_user_notify
from kazan.crm.panel_stream import panel_events
from kazan.customers.profile_fields import ProfileInvalid
from kazan.customers.queries.profiles import profile_data
from kazan.customers.services import customer_block, customer_unblock
from kazan.customers.services.profiles import profile_update
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest
from kazan.wallet.panels import wallet_panel_context

PAGE_SIZE = 30
# The users list's sortable columns and the order a first click gives.
USER_COLUMNS = {
    "name": "name",
    "balance": "-balance",
    "profiles": "-profiles",
    "orders": "-orders",
    "joined": "-joined",
    "last_seen": "-last_seen",
}


def _overview_context(request: BusinessRequest) -> dict[str, object]:
    days = queries.period_valid(request.GET.get("days"))
    business = request.business
    is_admin = request.membership.can("queue.manage")
    health = queries.panel_health(business=business)
    urls = {
        "orders": reverse("queue:list"),
        "reconciliation": reverse("wallet:reconciliation"),
        "users": reverse("crm:users"),
    }
    alerts = queries.panel_alerts(business=business, health=health, urls=urls)
    if not is_admin:
        alerts = [alert for alert in alerts if alert.key == "orders_waiting"]
    return {
        "days": days,
        "periods": queries.PERIODS,
        "figures": queries.panel_figures(business=business, days=days),
        "charts": queries.panel_charts(business=business, days=days, admin=is_admin),
        "health": health,
        "alerts": alerts,
        "alert_hours": queries.wait_alert_hours(),
        "is_admin": is_admin,
        "urls": urls,
    }


@member_required("queue.work")
@require_GET
def overview(request: BusinessRequest) -> HttpResponse:
    return render(request, "crm/panel/overview.html", _overview_context(request))


@member_required("queue.work")
@require_GET
def figures(request: BusinessRequest) -> HttpResponse:
    """The overview's live part alone (figures, health, alerts, charts' data): what the page
    refetches when its event stream says orders or payments changed."""
    return render(request, "crm/panel/_live.html", _overview_context(request))


@member_required("queue.work")
@require_GET
def events(request: BusinessRequest) -> StreamingHttpResponse:
    """Server-sent events for the open overview (kazan.crm.panel_stream)."""
    response = StreamingHttpResponse(
        panel_events(
            business_id=request.business.pk,
            last_event_id=request.headers.get("Last-Event-ID", ""),
        ),
        content_type="text/event-stream",
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must not buffer the stream
    return response


@member_required("queue.manage")
@require_GET
def users(request: BusinessRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    sort = queries.user_sort_valid(request.GET.get("sort"))
    found = queries.crm_users(business=request.business, sort=sort, **form.filters())
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "crm/panel/users.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "sort": sort,
            "sort_links": sort_links(request, sort, USER_COLUMNS),
            "can_export": request.membership.can("customers.export"),
        },
        status=400 if form.is_bound and form.errors else 200,
    )


def _user(request: BusinessRequest, customer_id: int):
    return queries.crm_user_get(business=request.business, customer_id=customer_id)


@member_required("queue.manage")
@require_GET
def user_detail(request: BusinessRequest, customer_id: int) -> HttpResponse:
    business = request.business
    user = _user(request, customer_id)
    membership = request.membership
    return render(
        request,
        "crm/panel/user_detail.html",
        {
            "user": user,
            "detail": queries.crm_user_detail(business=business, customer=user),
            # The wallet's own panel: balance, history, adjustment and premium grant (htmx).
            "wallet": wallet_panel_context(request, user),
            "activity": (
                list(activity_list(business=business, target=user)[:20])
                if membership.can("activity.view")
                else None
            ),
            "notify_form": NotifyForm(),
            "test_form": TestNotifyForm(prefix="test"),
            "can_edit": membership.can("customers.edit"),
            "can_notify": membership.can("messaging.send"),
            "can_team": membership.can("team.manage"),
        },
    )


def _done(request: BusinessRequest, customer_id: int, error: str, success: str) -> HttpResponse:
    if error:
        messages.error(request, error)
    else:
        messages.success(request, success)
    return redirect("crm:user", customer_id=customer_id)


def _form_error(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


@member_required("customers.edit")
@require_POST
def user_block(request: BusinessRequest, customer_id: int) -> HttpResponse:
    """Suspends (action=block) or reactivates (action=unblock) the user's account."""
    user = _user(request, customer_id)
    if request.POST.get("action") == "unblock":
        customer_unblock(business=request.business, customer=user, actor=request.user)
        return _done(request, customer_id, "", _("The user was reactivated."))
    customer_block(business=request.business, customer=user, actor=request.user)
    return _done(request, customer_id, "", _("The user was suspended: the bot ignores them."))


@member_required("messaging.send")
@require_POST
def user_notify(request: BusinessRequest, customer_id: int) -> HttpResponse:
    user = _user(request, customer_id)
    form = NotifyForm(request.POST)
    if not form.is_valid():
        return _done(request, customer_id, _form_error(form), "")
    try:
        refused = crm_user_notify(
            business=request.business,
            customer=user,
            text=form.cleaned_data["text"],
            nonce=str(form.cleaned_data["nonce"]),
            actor=request.user,
        )
    except KazanError as exc:
        refused = str(exc.message)
    return _done(request, customer_id, refused, _("The notification is on its way."))


@member_required("messaging.send")
@require_POST
def test_notify(request: BusinessRequest, customer_id: int) -> HttpResponse:
    """A test notification to the acting member's own Telegram chat, from a user's page."""
    _user(request, customer_id)
    form = TestNotifyForm(request.POST, prefix="test")
    if not form.is_valid():
        return _done(request, customer_id, _form_error(form), "")
    refused = crm_test_notify(
        business=request.business,
        chat=queries.member_chat(business=request.business, user=request.user),
        nonce=str(form.cleaned_data["nonce"]),
        actor=request.user,
    )
    return _done(request, customer_id, refused, _("A test notification is on its way to you."))


@member_required("customers.edit")
@require_http_methods(["GET", "POST"])
def profile_edit(request: BusinessRequest, customer_id: int, profile_id: int) -> HttpResponse:
    """Edits one of the user's customer profiles with the bot's own field rules."""
    user = _user(request, customer_id)
    profile = queries.crm_profile_get(
        business=request.business, customer=user, profile_id=profile_id
    )
    if request.method == "GET":
        form = ProfileForm(initial=profile_data(profile))
    else:
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                profile_update(
                    business=request.business,
                    profile=profile,
                    data={key: value or "" for key, value in form.cleaned_data.items()},
                    actor=request.user,
                )
            except ProfileInvalid as exc:
                form.errors_from(exc.errors)
            except KazanError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The profile was saved."))
                return redirect("crm:user", customer_id=user.pk)
    return render(
        request,
        "crm/panel/profile_edit.html",
        {"user": user, "profile": profile, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )

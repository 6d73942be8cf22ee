from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kazan.activity.queries import activity_actions, activity_list
from kazan.analytics.queries import analytics_history
from kazan.core.errors import ValidationFailed
from kazan.core.paging import query_without_page
from kazan.dashboard import queries
from kazan.dashboard.forms import ActivityFilterForm
from kazan.tenancy.decorators import member_required
from kazan.tenancy.forms import BusinessSettingsForm
from kazan.tenancy.resolution import SESSION_KEY
from kazan.tenancy.services import business_update


def _url_if_known(name: str) -> str:
    """The path of a URL name, or "" when no app serves it (a page a link may do without)."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@member_required()
def home(request):
    business = request.business
    history = analytics_history(business=business)  # what the plan shows (decision 0033)
    return render(
        request,
        "dashboard/home.html",
        {
            "stats": queries.overview(business=business, history=history),
            "chat": queries.website_chat(
                business=business, period=request.GET.get("chat", ""), history=history
            ),
            "unanswered_url": _url_if_known("faq:unanswered"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def business_pick(request):
    memberships = request.user.memberships.select_related("business").order_by("business__name")
    error = ""
    if request.method == "POST":
        raw = request.POST.get("business", "")
        valid = raw.isascii() and raw.isdigit() and len(raw) <= 18
        chosen = memberships.filter(business_id=int(raw)).first() if valid else None
        if chosen:
            request.session[SESSION_KEY] = chosen.business_id
            return redirect("dashboard:home")
        error = _("Please choose one of your businesses.")
    return render(
        request, "dashboard/business_pick.html", {"memberships": memberships, "error": error}
    )


@member_required("activity.view")
def activity(request):
    form = ActivityFilterForm(request.GET or None, business=request.business)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = activity_list(
        business=request.business,
        actor_id=filters.get("actor"),
        action=filters.get("action") or None,
        since=filters.get("since_dt"),
        until=filters.get("until_dt"),
    )
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/activity.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "actions": activity_actions(business=request.business),
        },
    )


@member_required("settings.edit")
@require_http_methods(["GET", "POST"])
def settings(request):
    """The business's profile, branding, chat texts, links, voucher rules and phone countries."""
    business = request.business
    if request.method == "GET":
        form = BusinessSettingsForm.for_business(business)
        return render(request, "dashboard/settings.html", {"form": form})
    form = BusinessSettingsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            business_update(
                business=business,
                actor=request.user,
                action="business.settings_edited",
                **form.changes(),
            )
        except ValidationFailed as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(request, _("The settings were saved."))
            return redirect("dashboard:settings")
    return render(request, "dashboard/settings.html", {"form": form}, status=400)

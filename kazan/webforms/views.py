"""Contact form pages of the business dashboard: the submissions (list, one, handled, deleted,
exported) and the form's settings. Thin: parse, authorize (member_required), call a query or
service, render. Every submission is loaded through queries.submission_get with
request.business, so another tenant's id is a 404."""

import datetime as dt
import zoneinfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.analytics.enums import ExportKind
from kazan.core.errors import ValidationFailed
from kazan.core.paging import query_without_page
from kazan.customers.export_views import list_export_request
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest
from kazan.webforms import formdef, queries, services
from kazan.webforms.forms import FormSettingsForm, SubmissionFilterForm
from kazan.webforms.models import FormSubmission

PAGE_SIZE = 30


def _day_bounds(request: BusinessRequest, form: SubmissionFilterForm):
    tz = zoneinfo.ZoneInfo(request.business.timezone)
    since = form.cleaned_data.get("since")
    until = form.cleaned_data.get("until")
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz) if since else None
    end = (
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz) if until else None
    )
    return start, end


@member_required("customers.view")
@require_GET
def submission_list(request: BusinessRequest) -> HttpResponse:
    form = SubmissionFilterForm(request.GET or None)
    submissions = FormSubmission.objects.none()
    if not form.is_bound:
        submissions = queries.submissions_list(business=request.business)
    elif form.is_valid():
        since, until = _day_bounds(request, form)
        submissions = queries.submissions_list(
            business=request.business,
            search=form.cleaned_data["q"],
            status=form.cleaned_data["status"],
            channel=form.cleaned_data["channel"],
            since=since,
            until=until,
        )
    page = Paginator(submissions, PAGE_SIZE).get_page(request.GET.get("page"))
    membership = request.membership
    return render(
        request,
        "webforms/list.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "can_export": membership.can("customers.export"),
            "can_settings": membership.can("settings.edit"),
            "hosted_url": formdef.hosted_form_url(request.business),
        },
    )


@member_required("customers.view")
@require_GET
def submission_detail(request: BusinessRequest, submission_id: int) -> HttpResponse:
    submission = queries.submission_get(business=request.business, submission_id=submission_id)
    services.submission_mark_read(business=request.business, submission=submission)
    return render(
        request,
        "webforms/detail.html",
        {"submission": submission, "can_edit": request.membership.can("customers.edit")},
    )


@member_required("customers.edit")
@require_POST
def submission_handled(request: BusinessRequest, submission_id: int) -> HttpResponse:
    submission = queries.submission_get(business=request.business, submission_id=submission_id)
    handled = request.POST.get("handled", "1") != "0"
    services.submission_mark_handled(
        business=request.business, submission=submission, actor=request.user, handled=handled
    )
    messages.success(
        request, _("Marked as handled.") if handled else _("The message is open again.")
    )
    return redirect("forms:detail", submission_id=submission.pk)


@member_required("customers.edit")
@require_POST
def submission_delete(request: BusinessRequest, submission_id: int) -> HttpResponse:
    submission = queries.submission_get(business=request.business, submission_id=submission_id)
    services.submission_delete(business=request.business, submission=submission, actor=request.user)
    messages.success(request, _("The message was deleted."))
    return redirect("forms:list")


@member_required("customers.export")
@require_POST
def submissions_export(request: BusinessRequest) -> HttpResponse:
    """Prepare a file of the list with its current filters; its page is the customers' export
    page (one list of a team's exports)."""
    return list_export_request(
        request,
        filter_form=SubmissionFilterForm,
        kind=ExportKind.FORM_SUBMISSIONS,
        back="forms:list",
    )


@member_required("settings.edit")
@require_http_methods(["GET", "POST"])
def form_settings(request: BusinessRequest) -> HttpResponse:
    current = queries.form_settings_get(business=request.business)
    member_ids = queries.form_notify_member_ids(settings=current)
    if request.method == "POST":
        form = FormSettingsForm(request.POST, business=request.business)
        if form.is_valid():
            try:
                services.form_settings_update(
                    business=request.business, actor=request.user, **form.service_kwargs()
                )
            except ValidationFailed as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The contact form was saved."))
                return redirect("forms:settings")
        status = 400
    else:
        form = FormSettingsForm(
            initial=FormSettingsForm.initial_for(current, member_ids), business=request.business
        )
        status = 200
    return render(
        request,
        "webforms/settings.html",
        {"form": form, "hosted_url": formdef.hosted_form_url(request.business)},
        status=status,
    )

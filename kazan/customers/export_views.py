"""A business team exports its own customer list (CSV or Excel) from the customers page, with
the list's current filters and order. The file is built in the background by analytics'
export jobs (the console's mechanism, writers and masking) and downloaded only here: by the
member who asked for it, or an owner of the business. Every request and download is in the
activity log. Another business's export — by id or by guessing — is a 404 like a missing one."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kazan.analytics import queries as export_queries
from kazan.analytics import services as export_services
from kazan.analytics.downloads import export_file_response
from kazan.analytics.enums import ExportStatus
from kazan.core.errors import KazanError
from kazan.customers.forms import CustomerFilterExportForm, CustomerFilterForm
from kazan.customers.queries import customer_sort_valid
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest
from kazan.tenancy.models import Role

PAGE_SIZE = 20
PERMISSION = "customers.export"


def _is_owner(request: BusinessRequest) -> bool:
    return request.membership.role == Role.OWNER


def _filters_from(request: BusinessRequest, raw_query: str) -> tuple[dict, str]:
    """The customer list's filters of a query string, as export filters (and any error)."""
    query = QueryDict(raw_query)
    form = CustomerFilterForm(query, business=request.business)
    if not form.is_valid():
        return {}, _("The list's filters are not valid. Correct them and export again.")
    filters = form.export_filters()
    if query.get("sort"):
        filters["sort"] = customer_sort_valid(query.get("sort"))
    return filters, ""


def _jobs_page(request: BusinessRequest, *, form=None, status: int = 200) -> HttpResponse:
    jobs = export_queries.team_export_jobs(
        business=request.business, actor=request.user, is_owner=_is_owner(request)
    )
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "customers/exports.html",
        {
            "page": page,
            "query": "",
            "form": form,
            "retention_days": export_services.export_retention_days(),
        },
        status=status,
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def exports(request: BusinessRequest) -> HttpResponse:
    """GET: the team's exports. POST (from the customer list): prepare a new one."""
    if request.method == "GET":
        return _jobs_page(request)
    form = CustomerFilterExportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose CSV or Excel."))
        return _jobs_page(request, status=400)
    filters, error = _filters_from(request, form.cleaned_data["query"])
    if error:
        messages.error(request, error)
        return _jobs_page(request, status=400)
    try:
        job = export_services.team_export_request(
            business=request.business,
            fmt=form.cleaned_data["format"],
            filters=filters,
            actor=request.user,
        )
    except KazanError as exc:
        messages.error(request, str(exc.message))
        return _jobs_page(request, status=exc.status)
    messages.success(request, _("The export is being prepared. This page shows when it is ready."))
    return redirect("customers:export_detail", export_id=job.pk)


def list_export_request(
    request: BusinessRequest, *, filter_form: type[forms.Form], kind: str, back: str
) -> HttpResponse:
    """A team list's "export" button (form submissions, orders): the file of the list with its
    current filters (`filter_form` over the posted query, with an `export_filters()`), prepared
    in the background; its page is this app's export page (one list of a team's exports).
    `back` names the list's URL, where a refused request returns."""
    form = CustomerFilterExportForm(request.POST)
    filters = filter_form(QueryDict((form.data.get("query") or "")[:2000]))
    if not form.is_valid() or (filters.is_bound and not filters.is_valid()):
        messages.error(request, _("Choose CSV or Excel, and check the list's filters."))
        return redirect(back)
    try:
        job = export_services.team_export_request(
            business=request.business,
            fmt=form.cleaned_data["format"],
            filters=filters.export_filters(),  # type: ignore[attr-defined]
            actor=request.user,
            kind=kind,
        )
    except KazanError as exc:
        messages.error(request, str(exc.message))
        return redirect(back)
    messages.success(request, _("The export is being prepared. This page shows when it is ready."))
    return redirect("customers:export_detail", export_id=job.pk)


def _job(request: BusinessRequest, export_id: int):
    return export_queries.team_export_get(
        business=request.business,
        actor=request.user,
        is_owner=_is_owner(request),
        export_id=export_id,
    )


def _filter_items(job) -> list[tuple[str, str]]:
    labels = {
        "since": _("Last visit from"),
        "until": _("Last visit until"),
        "name": _("Search"),
        "consent": _("SMS offers"),
        "tag": _("Tag"),
        "rating": _("Rating"),
        "reviewed": _("Review"),
        "voucher": _("Voucher"),
        "sort": _("Order"),
    }
    return [(labels.get(key, key), str(value)) for key, value in sorted(job.filters.items())]


def _detail_context(request: BusinessRequest, job) -> dict:
    can = export_services.team_export_can_download(
        business=request.business, job=job, actor=request.user
    )
    return {
        "job": job,
        "export_urls": "customers",
        "can_download": can and export_services.export_file_path(job) is not None,
        "retention_days": export_services.export_retention_days(),
        "filter_items": _filter_items(job),
    }


@member_required(PERMISSION)
@require_GET
def export_detail(request: BusinessRequest, export_id: int) -> HttpResponse:
    context = _detail_context(request, _job(request, export_id))
    if getattr(request, "htmx", False):  # the status box polling itself
        return render(request, "partials/export_status.html", context)
    return render(request, "customers/export_detail.html", context)


@member_required(PERMISSION)
@require_GET
def export_download(request: BusinessRequest, export_id: int) -> HttpResponse | FileResponse:
    """The file as an attachment; before it is ready (or once deleted) the export's page."""
    job = _job(request, export_id)
    if job.status != ExportStatus.DONE:
        status = 200 if job.is_pending else 410
        return render(
            request, "customers/export_detail.html", _detail_context(request, job), status=status
        )
    return export_file_response(
        job,
        record=lambda: export_services.team_export_downloaded(
            business=request.business, job=job, actor=request.user
        ),
    )

"""Console exports: request a customer list, activity log, businesses or revenue report as CSV,
Excel or PDF; watch it being built; download it. Staff only (staff_required: everybody else gets a
404). The files are built in the background by analytics (services.export_run) into a private
directory and leave it only through `export_download`, which records every download.

Other console pages link here with the form prefilled from GET parameters, e.g.
`/console/exports/?kind=customers&business=5&format=xlsx` (business by id or address) or the
activity log's own filters (`?kind=activity&business=<slug>&actor=<email>&action=…`)."""

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from kazan.accounts.queries import user_by_email
from kazan.activity.registry import activity_type_label
from kazan.analytics import queries, services
from kazan.analytics.downloads import export_file_response
from kazan.analytics.enums import ExportFormat, ExportKind, ExportStatus
from kazan.campaigns.queries import campaign_choices
from kazan.console.forms import ACTOR_KIND_CHOICES, ActivityTypeField
from kazan.console.queries import business_find
from kazan.core.errors import KazanError, ValidationFailed
from kazan.core.forms import FILTER_DATE_VALIDATORS
from kazan.tenancy.decorators import staff_required

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

PAGE_SIZE = 25
CAMPAIGN_CHOICES_MAX = 200
# Form fields that are passed on to the export as filters (empty ones are dropped).
FILTER_FIELDS = ("since", "until", "name", "campaign", "actor", "actor_kind", "action")


class ExportRequestForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Export"), choices=ExportKind.choices)
    format = forms.ChoiceField(
        label=gettext_lazy("File format"), choices=ExportFormat.choices, initial="csv"
    )
    business = forms.CharField(
        label=gettext_lazy("Business"),
        required=False,
        max_length=50,
        help_text=gettext_lazy(
            "Its address (slug) or id. Needed for a customer list; optional for the activity "
            "log; leave empty for the businesses and revenue reports."
        ),
    )
    since = forms.DateField(
        label=gettext_lazy("From"), required=False, validators=FILTER_DATE_VALIDATORS
    )
    until = forms.DateField(
        label=gettext_lazy("Until"), required=False, validators=FILTER_DATE_VALIDATORS
    )
    name = forms.CharField(
        label=gettext_lazy("Customer name"),
        required=False,
        max_length=services.EXPORT_NAME_MAX,
        help_text=gettext_lazy("Part of the name, or an exact phone number or email address."),
    )
    campaign = forms.IntegerField(
        label=gettext_lazy("Campaign"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("Only the customers this campaign was sent to."),
    )
    actor = forms.CharField(
        label=gettext_lazy("Who (email or id)"),
        required=False,
        max_length=254,
    )
    actor_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of actor"),
        required=False,
        choices=ACTOR_KIND_CHOICES,
    )
    action = ActivityTypeField(label=gettext_lazy("Type"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.business_obj: Business | None = None
        # With a business named (a link from its page), campaigns are a choice, not an id.
        named = self.data.get("business") if self.is_bound else self.initial.get("business")
        business = business_find(str(named or ""))
        if business is not None:
            campaigns = campaign_choices(business=business, limit=CAMPAIGN_CHOICES_MAX)
            self.fields["campaign"].widget = forms.Select(
                choices=[("", _("All customers"))]
                + [(pk, f"{name} · {created:%Y-%m-%d}") for pk, name, created in campaigns]
            )
        self.fields["action"].keep(
            self.data.get("action") if self.is_bound else self.initial.get("action")
        )
        self.fields["business"].widget.attrs["placeholder"] = "demo-cafe"
        self.fields["since"].widget.input_type = "date"
        self.fields["until"].widget.input_type = "date"
        self.fields["campaign"].widget.attrs.setdefault("inputmode", "numeric")

    def clean_business(self) -> str:
        value = (self.cleaned_data.get("business") or "").strip()
        if value:
            self.business_obj = business_find(value)
            if self.business_obj is None:
                raise forms.ValidationError(_("No business has this address or id."))
        return value

    def clean_actor(self) -> int | None:
        value = (self.cleaned_data.get("actor") or "").strip()
        if not value:
            return None
        if value.isdigit():
            return int(value)
        user = user_by_email(email=value) if "@" in value else None
        if user is None:
            raise forms.ValidationError(_("No account has this email address."))
        return user.pk

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            raise forms.ValidationError(_("The start date must be before the end date."))
        return data

    def filters(self) -> dict:
        return {key: self.cleaned_data.get(key) for key in FILTER_FIELDS}


def _prefill(request: HttpRequest) -> dict:
    """Initial values from a link of another console page; unknown parameters are ignored."""
    fields = ("kind", "format", "business", *FILTER_FIELDS)
    return {key: request.GET[key] for key in fields if request.GET.get(key)}


@staff_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = ExportRequestForm(request.POST)
        if form.is_valid():
            try:
                job = services.export_request(
                    kind=form.cleaned_data["kind"],
                    fmt=form.cleaned_data["format"],
                    filters=form.filters(),
                    business=form.business_obj,
                    actor=request.user,
                )
            except ValidationFailed as exc:
                form.add_error(None, str(exc.message))
                status = 400
            except KazanError as exc:  # too many running, not allowed
                form.add_error(None, str(exc.message))
                status = exc.status
            else:
                messages.success(
                    request, _("The export is being prepared. This page shows when it is ready.")
                )
                return redirect("console:export_detail", export_id=job.pk)
        else:
            status = 400
    else:
        form = ExportRequestForm(initial={"format": "csv", **_prefill(request)})
    page = Paginator(queries.unscoped_export_jobs(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "console/exports.html",
        {
            "form": form,
            "page": page,
            "query": "",
            "retention_days": services.export_retention_days(),
        },
        status=status,
    )


def _detail_context(request: HttpRequest, export_id: int) -> dict:
    job = queries.unscoped_export_job_get(export_id=export_id)
    return {
        "job": job,
        "export_urls": "console",
        "can_download": services.export_can_download(job=job, actor=request.user)
        and services.export_file_path(job) is not None,
        "retention_days": services.export_retention_days(),
        "filter_items": _filter_items(job),
    }


def _filter_items(job) -> list[tuple[str, str]]:
    labels = {
        "since": _("From"),
        "until": _("Until"),
        "name": _("Customer name"),
        "campaign": _("Campaign"),
        "actor": _("Actor id"),
        "actor_kind": _("Kind of actor"),
        "action": _("Type"),
    }
    readable = {"action": activity_type_label}  # a type by its name, not its code
    return [
        (labels.get(key, key), readable.get(key, str)(str(value)))
        for key, value in sorted(job.filters.items())
    ]


@staff_required
@require_GET
def export_detail(request: HttpRequest, export_id: int) -> HttpResponse:
    context = _detail_context(request, export_id)
    if getattr(request, "htmx", False):  # the status box polling itself
        return render(request, "partials/export_status.html", context)
    return render(request, "console/export_detail.html", context)


@staff_required
@require_GET
def export_download(request: HttpRequest, export_id: int) -> HttpResponseBase:
    """The file, as an attachment. A link followed before the file is ready (or after it was
    deleted) shows the export's page instead: 200 while it is being prepared, 410 once gone."""
    job = queries.unscoped_export_job_get(export_id=export_id)
    if not services.export_can_download(job=job, actor=request.user):
        raise Http404
    if job.status != ExportStatus.DONE:
        status = 200 if job.is_pending else 410
        context = _detail_context(request, job.pk)
        return render(request, "console/export_detail.html", context, status=status)
    return export_file_response(
        job, record=lambda: services.export_downloaded(job=job, actor=request.user)
    )

"""The FAQ pages of the dashboard (/dashboard/faq/): the list with search and filters, add and
edit, switch on/off, delete; synonyms; import (upload, dry-run report, confirm) and export;
the unanswered questions (add as FAQ, dismiss); and "Try it", which shows what the matcher
answers. Thin: parse, authorize (member_required), call a query or service, render. Objects
are loaded with request.business, so another tenant's id is a 404."""

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.core.entitlements import Limit, plan_limit
from kazan.core.errors import ErrorCode, KazanError
from kazan.core.forms import error_show
from kazan.core.import_views import import_page
from kazan.faq import queries, services
from kazan.faq.error_codes import FaqErrorCode
from kazan.faq.exports import FORMATS, faq_export
from kazan.faq.forms import FaqFilterForm, FaqForm, ImportForm, SynonymForm, TryForm
from kazan.faq.models import FaqQuestion
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PERMISSION = "settings.edit"
PAGE_SIZE = 25
_FIELD_OF_CODE: dict[ErrorCode, str] = {FaqErrorCode.DUPLICATE_QUESTION: "question"}


def _usage(request: BusinessRequest) -> dict[str, int | None]:
    business = request.business
    return {
        "faq_total": queries.faq_count(business=business),
        "faq_limit": plan_limit(business=business, key=Limit.FAQS),
    }


@member_required(PERMISSION)
@require_GET
def faq_list(request: BusinessRequest) -> HttpResponse:
    business = request.business
    filters = FaqFilterForm(request.GET or None)
    faqs = queries.faq_list(business=business, **filters.query_kwargs())
    page = Paginator(faqs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "faq/list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "categories": queries.faq_categories(business=business),
            "unanswered": queries.unanswered_count(business=business),
            "try_form": TryForm(initial={"language": business.language}),
            **_usage(request),
        },
    )


def _form_page(request: BusinessRequest, form: FaqForm, faq=None, status: int = 200, **extra):
    return render(
        request,
        "faq/form.html",
        {
            "form": form,
            "faq": faq,
            "categories": queries.faq_categories(business=request.business),
            **extra,
        },
        status=status,
    )


def _save(request: BusinessRequest, form: FaqForm, faq=None, **extra) -> HttpResponse | None:
    if not form.is_valid():
        return _form_page(request, form, faq, status=400, **extra)
    try:
        if faq is None:
            services.faq_create(
                business=request.business, actor=request.user, **form.service_kwargs()
            )
        else:
            services.faq_update(
                business=request.business, actor=request.user, faq=faq, **form.service_kwargs()
            )
    except KazanError as error:
        error_show(request, error, form=form, field=_FIELD_OF_CODE.get(error.code))
        return _form_page(request, form, faq, status=error.status, **extra)
    return None


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def faq_new(request: BusinessRequest) -> HttpResponse:
    """A new FAQ; ?question=<id> prefills it from an unanswered question, which is marked as
    added once the FAQ is saved."""
    business = request.business
    asked = None
    raw = request.GET.get("question") or request.POST.get("from_question") or ""
    if raw.isdigit() and len(raw) < 12:
        asked = queries.question_get(business=business, question_id=int(raw))
    if request.method == "GET":
        initial: dict[str, Any] = {"language": business.language, "is_active": True}
        if asked is not None:
            initial.update(question=asked.text, language=asked.language or business.language)
        return _form_page(request, FaqForm(initial=initial), asked=asked)
    form = FaqForm(request.POST)
    failed = _save(request, form, asked=asked)
    if failed is not None:
        return failed
    if asked is not None:
        services.unanswered_resolve(
            business=business,
            actor=request.user,
            question=asked,
            resolution=FaqQuestion.Resolution.ADDED,
        )
    messages.success(request, _("The FAQ was added."))
    return redirect("faq:list")


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def faq_edit(request: BusinessRequest, faq_id: int) -> HttpResponse:
    faq = queries.faq_get(business=request.business, faq_id=faq_id)
    if request.method == "GET":
        return _form_page(request, FaqForm(initial=FaqForm.initial_of(faq)), faq)
    form = FaqForm(request.POST)
    failed = _save(request, form, faq)
    if failed is not None:
        return failed
    messages.success(request, _("The FAQ was saved."))
    return redirect("faq:list")


@member_required(PERMISSION)
@require_POST
def faq_toggle(request: BusinessRequest, faq_id: int) -> HttpResponse:
    faq = queries.faq_get(business=request.business, faq_id=faq_id)
    services.faq_toggle(
        business=request.business, actor=request.user, faq=faq, active=not faq.is_active
    )
    if request.htmx:
        return render(request, "faq/_row.html", {"faq": faq})
    return redirect("faq:list")


@member_required(PERMISSION)
@require_POST
def faq_delete(request: BusinessRequest, faq_id: int) -> HttpResponse:
    faq = queries.faq_get(business=request.business, faq_id=faq_id)
    services.faq_delete(business=request.business, actor=request.user, faq=faq)
    messages.success(request, _("The FAQ was deleted."))
    return redirect("faq:list")


# --- synonyms -----------------------------------------------------------------------------------


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def synonyms(request: BusinessRequest) -> HttpResponse:
    business = request.business
    form = SynonymForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.synonym_create(
                    business=business, actor=request.user, **form.service_kwargs()
                )
            except KazanError as error:
                form.add_error("phrases", str(error.message))
            else:
                messages.success(request, _("The synonyms were added."))
                return redirect("faq:synonyms")
        status = 400
    return render(
        request,
        "faq/synonyms.html",
        {"form": form, "synonyms": queries.synonym_list(business=business)},
        status=status,
    )


@member_required(PERMISSION)
@require_POST
def synonym_edit(request: BusinessRequest, synonym_id: int) -> HttpResponse:
    synonym = queries.synonym_get(business=request.business, synonym_id=synonym_id)
    form = SynonymForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please give the phrases, one per line."))
        return redirect("faq:synonyms")
    try:
        services.synonym_update(
            business=request.business, actor=request.user, synonym=synonym, **form.service_kwargs()
        )
    except KazanError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The synonyms were saved."))
    return redirect("faq:synonyms")


@member_required(PERMISSION)
@require_POST
def synonym_delete(request: BusinessRequest, synonym_id: int) -> HttpResponse:
    synonym = queries.synonym_get(business=request.business, synonym_id=synonym_id)
    services.synonym_delete(business=request.business, actor=request.user, synonym=synonym)
    messages.success(request, _("The synonyms were deleted."))
    return redirect("faq:synonyms")


# --- import and export --------------------------------------------------------------------------


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def faq_import(request: BusinessRequest) -> HttpResponse:
    """Upload → the dry run's report (each bad row by its line) → confirm: all rows or none."""
    business = request.business

    def done(report: services.ImportReport) -> HttpResponse:
        messages.success(
            request,
            _("Imported: %(created)d new FAQs, %(updated)d changed.")
            % {"created": report.created, "updated": report.updated},
        )
        return redirect("faq:list")

    return import_page(
        request,
        page="faq/import.html",
        context=_usage(request),
        form_class=ImportForm,
        max_bytes=services.imports.FILE_MAX_BYTES,
        run=lambda name, content, dry_run: services.faq_import(
            business=business,
            actor=request.user,
            file_name=name,
            content=content,
            dry_run=dry_run,
        ),
        stage=lambda name, content: services.faq_import_stage(
            business=business, file_name=name, content=content
        ),
        staged=lambda token: services.faq_import_staged(business=business, token=token),
        unstage=lambda token: services.faq_import_unstage(business=business, token=token),
        done=done,
    )


@member_required(PERMISSION)
@require_GET
def faq_export_download(request: BusinessRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        file_format = "csv"
    content, content_type, name = faq_export(business=request.business, file_format=file_format)
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the unanswered questions and "Try it" ------------------------------------------------------


@member_required(PERMISSION)
@require_GET
def unanswered(request: BusinessRequest) -> HttpResponse:
    groups = queries.unanswered_list(business=request.business)
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "faq/unanswered.html", {"page": page, "query": ""})


@member_required(PERMISSION)
@require_POST
def unanswered_dismiss(request: BusinessRequest, question_id: int) -> HttpResponse:
    question = queries.question_get(business=request.business, question_id=question_id)
    services.unanswered_resolve(
        business=request.business,
        actor=request.user,
        question=question,
        resolution=FaqQuestion.Resolution.DISMISSED,
    )
    messages.success(request, _("The question was dismissed."))
    return redirect("faq:unanswered")


@member_required(PERMISSION)
@require_GET
def faq_try(request: BusinessRequest) -> HttpResponse:
    """What the bot would answer (nothing is logged or counted)."""
    form = TryForm(request.GET)
    match = None
    if form.is_valid():
        match = queries.faq_match(
            business=request.business,
            text=form.cleaned_data["q"],
            language=form.cleaned_data["language"],
        )
    template = "faq/_try.html" if request.htmx else "faq/try.html"
    return render(
        request, template, {"try_form": form, "match": match}, status=200 if match else 400
    )

"""The shop pages for categories (a tree: categories and their subcategories), offers, and
bulk import (upload → the dry run's report, each bad row by its line → confirm: all or
nothing) and export (CSV or Excel in the import's columns)."""

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.commerce import queries, services
from kazan.commerce.catalog_forms import CategoryForm, ImportForm, OfferForm
from kazan.commerce.catalog_views import PERMISSION, category_choices, usage
from kazan.commerce.exports import FORMATS, products_export
from kazan.commerce.services.imports import FILE_MAX_BYTES
from kazan.core.errors import KazanError
from kazan.core.import_views import import_page
from kazan.core.money import money_format
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest


def _roots(request: BusinessRequest, exclude: int | None = None) -> list[tuple[int, str]]:
    return [
        (root.pk, root.name)
        for root, _children in queries.category_tree(business=request.business)
        if root.pk != exclude
    ]


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def categories(request: BusinessRequest) -> HttpResponse:
    """The tree, and a form to add a category or subcategory."""
    business = request.business
    form = CategoryForm(request.POST or None, roots=_roots(request), initial={"active": True})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.category_create(business=business, actor=request.user, **form.cleaned_data)
            except KazanError as error:
                form.add_error(None, str(error.message))
                status = error.status
            else:
                messages.success(request, _("The category was added."))
                return redirect("shop:categories")
        else:
            status = 400
    tree = queries.category_tree(business=business)
    return render(
        request, "commerce/catalog/categories.html", {"tree": tree, "form": form}, status=status
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def category_edit(request: BusinessRequest, category_id: int) -> HttpResponse:
    business = request.business
    category = queries.category_get(business=business, category_id=category_id)
    roots = _roots(request, exclude=category.pk)
    if request.method == "GET":
        initial = {
            "name": category.name,
            "parent_id": category.parent_id,
            "description": category.description,
            "position": category.position,
            "active": category.active,
        }
        form = CategoryForm(initial=initial, roots=roots)
        return render(
            request, "commerce/catalog/category_form.html", {"form": form, "category": category}
        )
    form = CategoryForm(request.POST, roots=roots)
    status = 400
    if form.is_valid():
        try:
            services.category_update(
                business=business, actor=request.user, category=category, **form.cleaned_data
            )
        except KazanError as error:
            form.add_error(None, str(error.message))
            status = error.status
        else:
            messages.success(request, _("The category was saved."))
            return redirect("shop:categories")
    return render(
        request,
        "commerce/catalog/category_form.html",
        {"form": form, "category": category},
        status=status,
    )


@member_required(PERMISSION)
@require_POST
def category_delete(request: BusinessRequest, category_id: int) -> HttpResponse:
    category = queries.category_get(business=request.business, category_id=category_id)
    services.category_delete(business=request.business, actor=request.user, category=category)
    messages.success(request, _("The category was deleted; its products are kept."))
    return redirect("shop:categories")


# --- offers ----------------------------------------------------------------------------------


def _offer_form(request: BusinessRequest, data: Any = None, initial: Any = None) -> OfferForm:
    business = request.business
    products = [
        (p.pk, p.name) for p in queries.products_filtered(business=business).order_by("name")[:1000]
    ]
    return OfferForm(
        data,
        initial=initial,
        products=products,
        categories=category_choices(request),
        zone=business.timezone,
        currency=business.currency or "EUR",
    )


def _offer_value(offer: Any, currency: str) -> str:
    if offer.kind == "percent":
        return f"{offer.value} %"
    return money_format(offer.value, currency)


@member_required(PERMISSION)
@require_GET
def offers(request: BusinessRequest) -> HttpResponse:
    currency = request.business.currency or "EUR"
    rows = [
        (offer, _offer_value(offer, currency))
        for offer in queries.offers_list(business=request.business)
    ]
    return render(request, "commerce/catalog/offers.html", {"rows": rows})


def _offer_save(request: BusinessRequest, offer: Any = None) -> HttpResponse:
    if request.method == "GET":
        initial = (
            OfferForm.initial_of(
                offer, request.business.timezone, request.business.currency or "EUR"
            )
            if offer
            else {"active": True, "kind": "percent"}
        )
        form = _offer_form(request, initial=initial)
        return render(request, "commerce/catalog/offer_form.html", {"form": form, "offer": offer})
    form = _offer_form(request, request.POST)
    status = 400
    if form.is_valid():
        try:
            services.offer_save(
                business=request.business, actor=request.user, offer=offer, **form.service_kwargs()
            )
        except KazanError as error:
            form.add_error(None, str(error.message))
            status = error.status
        else:
            messages.success(request, _("The offer was saved."))
            return redirect("shop:offers")
    return render(
        request, "commerce/catalog/offer_form.html", {"form": form, "offer": offer}, status=status
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def offer_new(request: BusinessRequest) -> HttpResponse:
    return _offer_save(request)


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def offer_edit(request: BusinessRequest, offer_id: int) -> HttpResponse:
    return _offer_save(request, queries.offer_get(business=request.business, offer_id=offer_id))


@member_required(PERMISSION)
@require_POST
def offer_delete(request: BusinessRequest, offer_id: int) -> HttpResponse:
    offer = queries.offer_get(business=request.business, offer_id=offer_id)
    services.offer_delete(business=request.business, actor=request.user, offer=offer)
    messages.success(request, _("The offer was deleted."))
    return redirect("shop:offers")


# --- import and export -----------------------------------------------------------------------


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def catalog_import(request: BusinessRequest) -> HttpResponse:
    """Upload → the dry run's report (each bad row by its line) → confirm: all rows or none."""
    business = request.business

    def done(report: services.ImportReport) -> HttpResponse:
        messages.success(
            request,
            _("Imported: %(created)d new products, %(updated)d changed.")
            % {"created": report.created, "updated": report.updated},
        )
        return redirect("shop:products")

    return import_page(
        request,
        page="commerce/catalog/import.html",
        context=usage(request),
        form_class=ImportForm,
        max_bytes=FILE_MAX_BYTES,
        run=lambda name, content, dry_run: services.catalog_import(
            business=business,
            actor=request.user,
            file_name=name,
            content=content,
            dry_run=dry_run,
        ),
        stage=lambda name, content: services.catalog_import_stage(
            business=business, file_name=name, content=content
        ),
        staged=lambda token: services.catalog_import_staged(business=business, token=token),
        unstage=lambda token: services.catalog_import_unstage(business=business, token=token),
        done=done,
    )


@member_required(PERMISSION)
@require_GET
def catalog_export(request: BusinessRequest) -> HttpResponse:
    file_format = request.GET.get("format", "csv")
    if file_format not in FORMATS:
        file_format = "csv"
    content, content_type, name = products_export(
        business=request.business, file_format=file_format
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

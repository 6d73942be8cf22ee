"""The shop pages of the dashboard (/dashboard/shop/): products, services and events (list with
search and filters, add, edit with variants and images, delete). Thin: parse, authorize
(member_required "catalog.edit"), call a query or service, render. Objects are loaded with
request.business, so another tenant's id is a 404."""

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.commerce import queries, services
from kazan.commerce.catalog_forms import MediaForm, ProductFilterForm, ProductForm, VariantForm
from kazan.commerce.models import Product
from kazan.core.entitlements import Limit, plan_limit
from kazan.core.errors import KazanError
from kazan.core.forms import error_show
from kazan.core.money import money_format
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

PERMISSION = "catalog.edit"
PAGE_SIZE = 25


def category_choices(request: BusinessRequest) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    for root, children in queries.category_tree(business=request.business):
        out.append((root.pk, root.name))
        out.extend((child.pk, f"{root.name} › {child.name}") for child in children)
    return out


def usage(request: BusinessRequest) -> dict[str, int | None]:
    return {
        "product_total": queries.product_count(business=request.business),
        "product_limit": plan_limit(business=request.business, key=Limit.PRODUCTS),
    }


@member_required(PERMISSION)
@require_GET
def product_list(request: BusinessRequest) -> HttpResponse:
    business = request.business
    choices = category_choices(request)
    filters = ProductFilterForm(request.GET or None, categories=choices)
    products = queries.products_filtered(business=business, **filters.query_kwargs())
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    prices = queries.prices_for(business=business, products=page.object_list)
    rows = [
        {
            "product": product,
            "price": money_format(prices[product.pk].unit_minor, product.currency),
            "final": money_format(prices[product.pk].final_minor, product.currency)
            if prices[product.pk].discount_minor
            else "",
            "available": queries.available(product),
        }
        for product in page.object_list
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "commerce/catalog/products.html",
        {
            "page": page,
            "rows": rows,
            "filters": filters,
            "query": query.urlencode(),
            **usage(request),
        },
    )


def _product_page(
    request: BusinessRequest, form: ProductForm, product: Any = None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "product": product, **usage(request)}
    if product is not None:
        context.update(
            variants=[
                (
                    variant,
                    VariantForm(
                        initial=VariantForm.initial_of(variant, product.currency),
                        currency=product.currency,
                        prefix=f"v{variant.pk}",
                    ),
                )
                for variant in product.variants.all()
            ],
            variant_form=VariantForm(
                currency=product.currency, prefix="new", initial={"active": True}
            ),
            media_form=MediaForm(),
            media=list(product.media.all()),
        )
    return render(request, "commerce/catalog/product_form.html", context, status=status)


def _product_form(request: BusinessRequest, data: Any = None, initial: Any = None) -> ProductForm:
    return ProductForm(
        data,
        initial=initial,
        categories=category_choices(request),
        zone=request.business.timezone,
    )


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def product_new(request: BusinessRequest) -> HttpResponse:
    business = request.business
    if request.method == "GET":
        kind = request.GET.get("kind", "product")
        initial: dict[str, Any] = {
            "kind": kind if kind in ("product", "service", "event") else "product"
        }
        initial.update(currency=business.currency or "EUR", active=True)
        return _product_page(request, _product_form(request, initial=initial))
    form = _product_form(request, request.POST)
    if not form.is_valid():
        return _product_page(request, form, status=400)
    try:
        product = services.product_create(
            business=business, actor=request.user, **form.service_kwargs()
        )
    except KazanError as error:
        error_show(request, error, form=form)
        return _product_page(request, form, status=error.status)
    messages.success(request, _("The product was added. Add variants and images below."))
    return redirect("shop:product_edit", product_id=product.pk)


@member_required(PERMISSION)
@require_http_methods(["GET", "POST"])
def product_edit(request: BusinessRequest, product_id: int) -> HttpResponse:
    business = request.business
    product = queries.product_get(business=business, product_id=product_id)
    if request.method == "GET":
        initial = ProductForm.initial_of(product, business.timezone)
        return _product_page(request, _product_form(request, initial=initial), product)
    form = _product_form(request, request.POST)
    if not form.is_valid():
        return _product_page(request, form, product, status=400)
    try:
        services.product_update(
            business=business, actor=request.user, product=product, **form.service_kwargs()
        )
    except KazanError as error:
        form.add_error(None, str(error.message))
        return _product_page(request, form, product, status=error.status)
    messages.success(request, _("The product was saved."))
    return redirect("shop:product_edit", product_id=product.pk)


@member_required(PERMISSION)
@require_POST
def product_delete(request: BusinessRequest, product_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    services.product_delete(business=request.business, actor=request.user, product=product)
    messages.success(request, _("The product was deleted."))
    return redirect("shop:products")


def _back(product_id: int) -> HttpResponse:
    return redirect("shop:product_edit", product_id=product_id)


def _variant_post(
    request: BusinessRequest,
    product: Product,
    form: VariantForm,
    save: Callable[..., object],
    done: str,
) -> HttpResponse:
    """A variant form posted from the product page: `save(**fields)` when it is valid; any
    refusal as a message on the product page."""
    if not form.is_valid():
        messages.error(
            request, _("Check the variant: %(errors)s") % {"errors": form.errors.as_text()}
        )
        return _back(product.pk)
    try:
        save(business=request.business, actor=request.user, **form.service_kwargs())
    except KazanError as error:
        messages.error(request, str(error.message))
        return _back(product.pk)
    messages.success(request, done)
    return _back(product.pk)


@member_required(PERMISSION)
@require_POST
def variant_new(request: BusinessRequest, product_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    form = VariantForm(request.POST, currency=product.currency, prefix="new")
    return _variant_post(
        request,
        product,
        form,
        partial(services.variant_create, product=product),
        _("The variant was added."),
    )


@member_required(PERMISSION)
@require_POST
def variant_edit(request: BusinessRequest, product_id: int, variant_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    variant = queries.variant_get(business=request.business, product=product, variant_id=variant_id)
    form = VariantForm(request.POST, currency=product.currency, prefix=f"v{variant.pk}")
    return _variant_post(
        request,
        product,
        form,
        partial(services.variant_update, variant=variant),
        _("The variant was saved."),
    )


@member_required(PERMISSION)
@require_POST
def variant_delete(request: BusinessRequest, product_id: int, variant_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    variant = queries.variant_get(business=request.business, product=product, variant_id=variant_id)
    services.variant_delete(business=request.business, actor=request.user, variant=variant)
    messages.success(request, _("The variant was deleted."))
    return _back(product.pk)


@member_required(PERMISSION)
@require_POST
def media_new(request: BusinessRequest, product_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    form = MediaForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(
            request, _("Check the image: %(errors)s") % {"errors": form.errors.as_text()}
        )
        return _back(product.pk)
    try:
        services.media_add(
            business=request.business,
            actor=request.user,
            product=product,
            upload=form.cleaned_data["image"] or None,
            url=form.cleaned_data["url"] or "",
            alt=form.cleaned_data["alt"],
        )
    except KazanError as error:
        messages.error(request, str(error.message))
        return _back(product.pk)
    messages.success(request, _("The image was added."))
    return _back(product.pk)


@member_required(PERMISSION)
@require_POST
def media_delete(request: BusinessRequest, product_id: int, media_id: int) -> HttpResponse:
    product = queries.product_get(business=request.business, product_id=product_id)
    media = queries.media_get(business=request.business, product=product, media_id=media_id)
    services.media_delete(business=request.business, actor=request.user, media=media)
    messages.success(request, _("The image was removed."))
    return _back(product.pk)

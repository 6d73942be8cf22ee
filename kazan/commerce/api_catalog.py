"""/api/v1/catalog: a business's catalog for shop back-ends and scripts. An API key or a
member's session; reading needs any role, writing `catalog.edit` (owner, manager, API keys).
Prices are in minor units (cents) with their ISO currency; `final_price_minor` applies the
best active offer. Ids of other businesses are 404. Rate-limited (kazan/tenancy/api_limits)."""

from django.http import HttpRequest
from ninja import File, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate
from ninja.responses import Status

from kazan.commerce import queries, services
from kazan.commerce.api_catalog_schemas import (
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    ImportOut,
    MediaIn,
    MediaOut,
    OfferIn,
    OfferOut,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPatch,
    VariantIn,
    VariantOut,
    VariantPatch,
)
from kazan.commerce.models import Category
from kazan.core.api import Pagination, responses, unprocessable
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

router = api_limits_apply(Router(tags=["catalog"], auth=tenant_auth))
READ = "customers.view"
EDIT = "catalog.edit"


# --- categories ------------------------------------------------------------------------------


@router.get("/categories", response=responses(list[CategoryOut]), summary="Every category")
def categories(request: HttpRequest):
    business = api_require(request, READ)
    return [
        row
        for root, children in queries.category_tree(business=business)
        for row in (root, *children)
    ]


@router.post(
    "/categories",
    response=responses(CategoryOut, 409, 422, ok_status=201),
    summary="Add a category",
    description="`parent_id` makes it a subcategory (one level). 409 for a name already used "
    "at that level.",
)
def category_create(request: HttpRequest, payload: CategoryIn):
    business = api_require(request, EDIT)
    with unprocessable():
        category = services.category_create(
            business=business, **api_actor(request), **payload.dict()
        )
    return Status(201, category)


@router.patch(
    "/categories/{int:category_id}",
    response=responses(CategoryOut, 404, 409, 422),
    summary="Change a category",
)
def category_update(request: HttpRequest, category_id: int, payload: CategoryPatch):
    business = api_require(request, EDIT)
    category = queries.category_get(business=business, category_id=category_id)
    with unprocessable():
        return services.category_update(
            business=business,
            category=category,
            **api_actor(request),
            **payload.dict(exclude_unset=True),
        )


@router.delete(
    "/categories/{int:category_id}",
    response=responses(None, 404, ok_status=204),
    summary="Delete a category (its products stay, without a category)",
)
def category_delete(request: HttpRequest, category_id: int):
    business = api_require(request, EDIT)
    category: Category = queries.category_get(business=business, category_id=category_id)
    services.category_delete(business=business, category=category, **api_actor(request))
    return Status(204, None)


# --- products --------------------------------------------------------------------------------


@router.get(
    "/products",
    response=responses(list[ProductOut], 422),
    summary="Products, services and events",
    description="Newest first, filtered; with `search` ranked by relevance instead.",
)
@paginate(Pagination)
def products(request: HttpRequest, filters: Query[ProductFilters]):
    business = api_require(request, READ)
    if filters.search or filters.max_price_minor is not None or filters.min_price_minor is not None:
        hits = queries.products_search(
            business=business,
            text=filters.search or "",
            kind=filters.kind,
            category_id=filters.category_id,
            max_price_minor=filters.max_price_minor,
            min_price_minor=filters.min_price_minor,
            limit=50,
        )
        return [hit.product for hit in hits]
    return queries.products_filtered(
        business=business,
        text=filters.q or "",
        category_id=filters.category_id,
        kind=filters.kind,
        active=filters.active,
    )


@router.get(
    "/products/{int:product_id}", response=responses(ProductOut, 404), summary="One product"
)
def product_get(request: HttpRequest, product_id: int):
    business = api_require(request, READ)
    return queries.product_get(business=business, product_id=product_id)


@router.post(
    "/products",
    response=responses(ProductOut, 402, 409, 422, ok_status=201),
    summary="Add a product, service or event",
    description="402 `plan_limit_reached` at the plan's product limit (with `limit` and "
    "`upgrade_url`); 409 `invalid_product` for a SKU or retailer id already used; 422 for a "
    "refused field (an event needs `starts_at`).",
)
def product_create(request: HttpRequest, payload: ProductIn):
    business = api_require(request, EDIT)
    with unprocessable():
        product = services.product_create(business=business, **api_actor(request), **payload.dict())
    return Status(201, queries.product_get(business=business, product_id=product.pk))


@router.patch(
    "/products/{int:product_id}",
    response=responses(ProductOut, 404, 409, 422),
    summary="Change a product",
    description="Only the fields sent change.",
)
def product_update(request: HttpRequest, product_id: int, payload: ProductPatch):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    with unprocessable():
        services.product_update(
            business=business,
            product=product,
            **api_actor(request),
            **payload.dict(exclude_unset=True),
        )
    return queries.product_get(business=business, product_id=product_id)


@router.delete(
    "/products/{int:product_id}",
    response=responses(None, 404, ok_status=204),
    summary="Delete a product (orders keep their lines)",
)
def product_delete(request: HttpRequest, product_id: int):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    services.product_delete(business=business, product=product, **api_actor(request))
    return Status(204, None)


@router.post(
    "/products/{int:product_id}/variants",
    response=responses(VariantOut, 404, 409, 422, ok_status=201),
    summary="Add a variant",
    description="A variant without price or stock takes its product's.",
)
def variant_create(request: HttpRequest, product_id: int, payload: VariantIn):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    with unprocessable():
        variant = services.variant_create(
            business=business, product=product, **api_actor(request), **payload.dict()
        )
    return Status(201, variant)


@router.patch(
    "/products/{int:product_id}/variants/{int:variant_id}",
    response=responses(VariantOut, 404, 409, 422),
    summary="Change a variant",
)
def variant_update(request: HttpRequest, product_id: int, variant_id: int, payload: VariantPatch):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    variant = queries.variant_get(business=business, product=product, variant_id=variant_id)
    with unprocessable():
        return services.variant_update(
            business=business,
            variant=variant,
            **api_actor(request),
            **payload.dict(exclude_unset=True),
        )


@router.delete(
    "/products/{int:product_id}/variants/{int:variant_id}",
    response=responses(None, 404, ok_status=204),
    summary="Delete a variant",
)
def variant_delete(request: HttpRequest, product_id: int, variant_id: int):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    variant = queries.variant_get(business=business, product=product, variant_id=variant_id)
    services.variant_delete(business=business, variant=variant, **api_actor(request))
    return Status(204, None)


@router.post(
    "/products/{int:product_id}/media",
    response=responses(MediaOut, 404, 422, ok_status=201),
    summary="Add an image by its https address",
    description="Uploads go through the dashboard; at most 10 images a product.",
)
def media_create(request: HttpRequest, product_id: int, payload: MediaIn):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    with unprocessable():
        media = services.media_add(
            business=business,
            product=product,
            url=payload.url,
            alt=payload.alt,
            **api_actor(request),
        )
    return Status(201, media)


@router.delete(
    "/products/{int:product_id}/media/{int:media_id}",
    response=responses(None, 404, ok_status=204),
    summary="Remove an image",
)
def media_delete(request: HttpRequest, product_id: int, media_id: int):
    business = api_require(request, EDIT)
    product = queries.product_get(business=business, product_id=product_id)
    media = queries.media_get(business=business, product=product, media_id=media_id)
    services.media_delete(business=business, media=media, **api_actor(request))
    return Status(204, None)


# --- offers ----------------------------------------------------------------------------------


@router.get("/offers", response=responses(list[OfferOut], 422), summary="Offers, newest first")
@paginate(Pagination)
def offers(request: HttpRequest):
    business = api_require(request, READ)
    return queries.offers_list(business=business)


@router.get("/offers/{int:offer_id}", response=responses(OfferOut, 404), summary="One offer")
def offer_get(request: HttpRequest, offer_id: int):
    business = api_require(request, READ)
    return queries.offer_get(business=business, offer_id=offer_id)


@router.post(
    "/offers",
    response=responses(OfferOut, 422, ok_status=201),
    summary="Add an offer",
    description="A percentage (1-100) or an amount (minor units off each unit) in an optional "
    "date range, on products and/or categories (none: the whole catalog). The best active "
    "offer applies to each line; offers do not add up.",
)
def offer_create(request: HttpRequest, payload: OfferIn):
    business = api_require(request, EDIT)
    with unprocessable():
        offer = services.offer_save(business=business, **api_actor(request), **payload.dict())
    return Status(201, queries.offer_get(business=business, offer_id=offer.pk))


@router.put(
    "/offers/{int:offer_id}",
    response=responses(OfferOut, 404, 422),
    summary="Replace an offer",
)
def offer_update(request: HttpRequest, offer_id: int, payload: OfferIn):
    business = api_require(request, EDIT)
    offer = queries.offer_get(business=business, offer_id=offer_id)
    with unprocessable():
        services.offer_save(business=business, offer=offer, **api_actor(request), **payload.dict())
    return queries.offer_get(business=business, offer_id=offer_id)


@router.delete(
    "/offers/{int:offer_id}",
    response=responses(None, 404, ok_status=204),
    summary="Delete an offer",
)
def offer_delete(request: HttpRequest, offer_id: int):
    business = api_require(request, EDIT)
    offer = queries.offer_get(business=business, offer_id=offer_id)
    services.offer_delete(business=business, offer=offer, **api_actor(request))
    return Status(204, None)


# --- import ----------------------------------------------------------------------------------


@router.post(
    "/import",
    response=responses(ImportOut, 402, 409, 422),
    summary="Import products from CSV or XLSX",
    description="multipart/form-data with `file`. `dry_run=true` (the default) only checks: "
    "each bad row with its line and reason. `dry_run=false` saves every row or, with any bad "
    "row, nothing (`saved` false); 402 `plan_limit_reached` (with `limit` and `upgrade_url`) "
    "when the new products would pass the plan's product limit. Columns: see the dashboard's "
    "import page.",
)
def catalog_import(request: HttpRequest, file: File[UploadedFile], dry_run: bool = True):
    business = api_require(request, EDIT)
    with unprocessable():
        report = services.catalog_import(
            business=business,
            upload=file,
            dry_run=dry_run,
            actor=api_actor(request)["actor"],
            actor_kind=api_actor(request)["actor_kind"],
        )
    if report.refused is not None and not dry_run:
        raise report.refused
    return {
        "ok": report.ok,
        "saved": report.saved,
        "created": report.created,
        "updated": report.updated,
        "variants": report.variants,
        "errors": [{"line": line, "message": message} for line, message in report.errors],
    }

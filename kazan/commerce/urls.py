"""The shop pages (catalog), mounted at /dashboard/shop/. The orders pages have their own
include file."""

from django.urls import path

from kazan.commerce import catalog_group_views as groups
from kazan.commerce import catalog_views as views

app_name = "shop"
catalog_urlpatterns = [
    path("", views.product_list, name="products"),
    path("products/new/", views.product_new, name="product_new"),
    path("products/<int:product_id>/", views.product_edit, name="product_edit"),
    path("products/<int:product_id>/delete/", views.product_delete, name="product_delete"),
    path("products/<int:product_id>/variants/", views.variant_new, name="variant_new"),
    path(
        "products/<int:product_id>/variants/<int:variant_id>/",
        views.variant_edit,
        name="variant_edit",
    ),
    path(
        "products/<int:product_id>/variants/<int:variant_id>/delete/",
        views.variant_delete,
        name="variant_delete",
    ),
    path("products/<int:product_id>/media/", views.media_new, name="media_new"),
    path(
        "products/<int:product_id>/media/<int:media_id>/delete/",
        views.media_delete,
        name="media_delete",
    ),
    path("categories/", groups.categories, name="categories"),
    path("categories/<int:category_id>/", groups.category_edit, name="category_edit"),
    path("categories/<int:category_id>/delete/", groups.category_delete, name="category_delete"),
    path("offers/", groups.offers, name="offers"),
    path("offers/new/", groups.offer_new, name="offer_new"),
    path("offers/<int:offer_id>/", groups.offer_edit, name="offer_edit"),
    path("offers/<int:offer_id>/delete/", groups.offer_delete, name="offer_delete"),
    path("import/", groups.catalog_import, name="import"),
    path("export/", groups.catalog_export, name="export"),
]
urlpatterns = catalog_urlpatterns

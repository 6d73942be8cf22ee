from django.urls import path

from kazan.customers import export_views, views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:export_id>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/download/", export_views.export_download, name="export_download"),
    path("tags/", views.tag_list, name="tags"),
    path("tags/bulk/", views.customers_bulk_tag, name="bulk_tag"),
    path("tags/<int:tag_id>/", views.tag_edit, name="tag_edit"),
    path("tags/<int:tag_id>/delete/", views.tag_delete, name="tag_delete"),
    path("<int:customer_id>/tags/", views.customer_tags, name="tags_assign"),
    path("<int:customer_id>/", views.customer_detail, name="detail"),
    path("<int:customer_id>/edit/", views.customer_edit, name="edit"),
    path(
        "<int:customer_id>/consent/withdraw/",
        views.customer_consent_withdraw,
        name="consent_withdraw",
    ),
    path("<int:customer_id>/block/", views.customer_block, name="block"),
    path("<int:customer_id>/export/", views.customer_export, name="export"),
    path("<int:customer_id>/erase/", views.customer_erase, name="erase"),
]

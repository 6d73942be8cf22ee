"""The order pages of the business dashboard, under /dashboard/orders/ (namespace orders)."""

from django.urls import path

from kazan.commerce import orders_views as views

app_name = "orders"
urlpatterns = [
    path("", views.order_list, name="list"),
    path("overview/", views.orders_overview, name="overview"),
    path("bulk/", views.orders_bulk, name="bulk"),
    path("export/", views.orders_export, name="export"),
    path("<int:order_id>/", views.order_detail, name="detail"),
    path("<int:order_id>/status/", views.order_status, name="status"),
    path("<int:order_id>/note/", views.order_note, name="note"),
    path("<int:order_id>/invoice/", views.order_invoice, name="invoice"),
]

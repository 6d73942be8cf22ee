"""The platform console, mounted at /console/. Every view is staff_required."""

from django.urls import path

from kazan.console import export_views, invoice_views, map_views, views

app_name = "console"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("businesses/", views.businesses, name="businesses"),
    path("businesses/new/", views.business_new, name="business_new"),
    path("businesses/options/", views.business_options, name="business_options"),
    path("businesses/<int:business_id>/", views.business_detail, name="business_detail"),
    path("businesses/<int:business_id>/terms/", views.business_terms, name="business_terms"),
    path("businesses/<int:business_id>/credits/", views.business_credits, name="business_credits"),
    path("businesses/<int:business_id>/status/", views.business_status, name="business_status"),
    path(
        "businesses/<int:business_id>/plan-limits/",
        views.business_plan_limits,
        name="business_plan_limits",
    ),
    path("activity/", views.activity, name="activity"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:alert_id>/resolve/", views.alert_resolve, name="alert_resolve"),
    path("alerts/settings/", views.alert_settings, name="alert_settings"),
    path("bank-details/", views.bank_details, name="bank_details"),
    path("map/", map_views.business_map, name="map"),
    path("exports/", export_views.exports, name="exports"),
    path("exports/<int:export_id>/", export_views.export_detail, name="export_detail"),
    path("exports/<int:export_id>/download/", export_views.export_download, name="export_download"),
    # Invoices, credit notes and tax rates (issue 14, invoices).
    path(
        "billing/invoices/<int:invoice_id>/pdf/",
        invoice_views.invoice_pdf_download,
        name="invoice_pdf",
    ),
    path(
        "billing/invoices/<int:invoice_id>/credit-note/",
        invoice_views.credit_note,
        name="credit_note",
    ),
    path("billing/tax-rates/", invoice_views.tax_rates_edit, name="tax_rates"),
]

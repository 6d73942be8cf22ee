"""SMS package, quota and upgrades, mounted at /dashboard/billing/."""

from django.urls import path

from kazan.billing import invoice_views, views

app_name = "billing"
urlpatterns = [
    path("", views.billing_overview, name="overview"),
    path("upgrade/", views.package_upgrade, name="upgrade"),
    path("oxapay/", views.oxapay_account, name="oxapay_account"),
    path("payments/<int:payment_id>/", views.payment_detail, name="payment_detail"),
    path("payments/<int:payment_id>/cancel/", views.payment_cancel, name="payment_cancel"),
    # Platform staff only (staff_required): confirm that a manual payment arrived.
    path("payments/<int:payment_id>/confirm/", views.payment_confirm, name="payment_confirm"),
    # Invoices and billing details (issue 14, invoices).
    path(
        "invoices/<int:invoice_id>/pdf/",
        invoice_views.invoice_pdf_download,
        name="invoice_pdf",
    ),
    path("profile/", invoice_views.billing_profile, name="profile"),
]

"""Billing pages, mounted at /dashboard/billing/: the plan, SMS packages and payments."""

from django.urls import include, path

from kazan.billing import invoice_views, plan_views, views

app_name = "billing"
urlpatterns = [
    path("", views.billing_overview, name="overview"),
    path("upgrade/", views.package_upgrade, name="upgrade"),
    # The plan (decision 0038): compare and choose, cancel, resume, the gateway's portal.
    path("plans/", plan_views.plans, name="plans"),
    path("plans/choose/", plan_views.plan_choose, name="plan_choose"),
    path("plans/withdraw/", plan_views.downgrade_withdraw, name="downgrade_withdraw"),
    path("cancel/", plan_views.cancel, name="cancel"),
    path("resume/", plan_views.resume, name="resume"),
    path("portal/", plan_views.portal, name="portal"),
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
    path("razorpay/", include("kazan.billing.gateways.razorpay.urls")),
]

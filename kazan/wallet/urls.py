"""The wallet pages of the business dashboard, under /dashboard/wallet/ (namespace wallet)."""

from django.urls import path

from kazan.wallet import views

app_name = "wallet"
urlpatterns = [
    path("", views.wallet_settings, name="settings"),
    path("transactions/", views.transactions, name="transactions"),
    path("transactions/export/", views.transactions_export, name="transactions_export"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path(
        "reconciliation/<int:purchase_id>/recheck/",
        views.purchase_recheck,
        name="purchase_recheck",
    ),
    path("customers/<int:customer_id>/adjust/", views.customer_adjust, name="customer_adjust"),
    path("customers/<int:customer_id>/premium/", views.customer_premium, name="customer_premium"),
]

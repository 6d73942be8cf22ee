"""Payment gateway webhooks, mounted at /hooks/<gateway>/ (e.g. /hooks/stripe/)."""

from django.urls import path

from kazan.billing.gateways.stripe.webhooks import stripe_webhook

app_name = "billing_hooks"
urlpatterns = [
    path("stripe/", stripe_webhook, name="stripe"),
]

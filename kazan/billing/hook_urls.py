"""Payment gateway webhooks, mounted at /hooks/<gateway>/ (e.g. /hooks/stripe/)."""

from django.urls import path

from kazan.billing.gateways.oxapay.callbacks import oxapay_callback
from kazan.billing.gateways.razorpay.webhooks import razorpay_webhook
from kazan.billing.gateways.stripe.webhooks import stripe_webhook

app_name = "billing_hooks"
urlpatterns = [
    path("stripe/", stripe_webhook, name="stripe"),
    path("razorpay/", razorpay_webhook, name="razorpay"),
    path("oxapay/", oxapay_callback, name="oxapay"),
    path("oxapay/<str:hook_key>/", oxapay_callback, name="oxapay_account"),
]

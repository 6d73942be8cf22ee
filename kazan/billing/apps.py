from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kazan.billing"
    label = "billing"

    def ready(self) -> None:
        from kazan.billing.exports import export_kinds_register
        from kazan.billing.services.limits import BillingEntitlements
        from kazan.core.entitlements import entitlements_register

        export_kinds_register()
        entitlements_register(BillingEntitlements())

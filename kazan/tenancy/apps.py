from django.apps import AppConfig
from django.db.models.signals import post_delete, post_init, post_save


class TenancyConfig(AppConfig):
    name = "kazan.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from kazan.tenancy import signals
        from kazan.tenancy.models import Business

        post_init.connect(signals.business_loaded, sender=Business)
        post_save.connect(signals.business_changed, sender=Business)
        post_delete.connect(signals.business_changed, sender=Business)

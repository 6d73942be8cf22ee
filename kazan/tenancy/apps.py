from django.apps import AppConfig
from django.db.models.signals import post_delete, post_init, post_save


class TenancyConfig(AppConfig):
    name = "kazan.tenancy"
    label = "tenancy"

    def ready(self) -> None:
        from kazan.core.entitlements import Limit, usage_counter_register
        from kazan.tenancy import signals
        from kazan.tenancy.models import Business
        from kazan.tenancy.queries import team_seats_count

        post_init.connect(signals.business_loaded, sender=Business)
        post_save.connect(signals.business_changed, sender=Business)
        post_delete.connect(signals.business_changed, sender=Business)
        # The plan's team limit counts members and open invitations (billing, decision 0033).
        usage_counter_register(Limit.TEAM_MEMBERS, team_seats_count)

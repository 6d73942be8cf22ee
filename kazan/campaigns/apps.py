from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "kazan.campaigns"
    label = "campaigns"

    def ready(self) -> None:
        from kazan.campaigns.exports import export_kinds_register

        export_kinds_register()

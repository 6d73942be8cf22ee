from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "kazan.campaigns"
    label = "campaigns"

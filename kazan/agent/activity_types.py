"""How the agent app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_type, value_text

activity_type(
    "agent.settings_changed",
    label=t("Assistant settings changed"),
    sentence=t("%(actor)s changed the assistant settings"),
    details={
        "fields": Detail(t("Settings"), value_text),
        "engine": Detail(t("Engine"), value_text),
        "api_key": Detail(t("API key"), value_text),
    },
)

"""How the Telegram CRM panel's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_type, number

activity_type(
    "crm.user_notified",
    label=t("Notification sent to a user"),
    sentence=t("%(actor)s sent a Telegram notification to %(target)s"),
    details={"length": Detail(t("Characters"), number)},
)
activity_type(
    "crm.profiles_exported",
    label=t("Customer profiles exported"),
    sentence=t("%(actor)s exported the customer profiles"),
)

"""How the links app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_type, choice
from kazan.links.models import Purpose

PURPOSE = Detail(t("Purpose"), choice(Purpose.choices))

activity_type(
    "link.issued",
    label=t("Secure link sent"),
    sentence=t("A secure link was created for %(target)s"),
    details={"purpose": PURPOSE, "channel": Detail(t("Channel"))},
)
activity_type(
    "link.revoked",
    label=t("Secure link withdrawn"),
    sentence=t("%(actor)s withdrew a secure link of %(target)s"),
    details={"purpose": PURPOSE},
)

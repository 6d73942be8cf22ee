"""How the console's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import (
    Change,
    Detail,
    activity_target,
    activity_type,
    date,
    number,
)
from kazan.console.models import Alert


@activity_target("console.alert")
def _alerts(ids, viewer):
    rows = Alert.objects.filter(pk__in=ids).values_list("pk", "kind")
    kinds = dict(Alert.Kind.choices)
    return {pk: _("the alert “%(kind)s”") % {"kind": kinds.get(kind, kind)} for pk, kind in rows}


def _settings_changes(data) -> list[Change]:
    """{"inactive_after_days": [old, new]} → "…: 14 → 21"."""
    labels = {"inactive_after_days": _("Alert after days without a QR scan")}
    changes = []
    for key, value in data.items():
        if isinstance(value, list) and len(value) == 2:
            old, new = value
            changes.append(Change(str(labels.get(key, key)), number(old), number(new)))
    return changes


ALERT = {  # the kind is in the sentence already ("the alert “Inactive business”")
    "days": Detail(t("Days without a QR scan"), number),
    "last_scan": Detail(t("Last QR scan"), date),
}

activity_type(
    "console.settings_edited",
    label=t("Console settings changed"),
    sentence=t("%(actor)s changed the console settings"),
    changes=_settings_changes,
)
activity_type(
    "alert.opened",
    label=t("Alert raised"),
    sentence=t("%(target)s was raised"),
    details=ALERT,
)
activity_type(
    "alert.ended",
    label=t("Alert ended"),
    sentence=t("%(target)s ended by itself"),
    details=ALERT,
)
activity_type(
    "alert.resolved",
    label=t("Alert handled"),
    sentence=t("%(actor)s marked %(target)s as handled"),
    details=ALERT,
)

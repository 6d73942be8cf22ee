"""How the plan catalog's activity reads (staff's edits in the console, decision 0038);
imported by billing's activity_types."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Change, Detail, activity_target, activity_type


@activity_target("billing.plan")
def _plans(ids, viewer):
    from kazan.billing.models import Plan

    rows = Plan.objects.filter(pk__in=ids).values_list("pk", "name")
    return {pk: _("the plan “%(name)s”") % {"name": name} for pk, name in rows}


def _catalog_changes(data) -> list[Change]:
    """{"faq_limit": [50, 80], "price month EUR": ["4900", "5900"]} → "FAQs: 50 → 80"."""
    from django.core.exceptions import FieldDoesNotExist

    from kazan.billing.models import Plan

    def shown(key: str, value) -> str:
        if value is None:
            return "—" if key.startswith("price") else _("unlimited")
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return str(value)

    changes = []
    for key, value in (data.get("changes") or {}).items():
        if not (isinstance(value, list) and len(value) == 2):
            continue
        try:
            label = str(getattr(Plan._meta.get_field(key), "verbose_name", key))
        except FieldDoesNotExist:  # a price ("price month EUR") is not a field
            label = key
        changes.append(Change(label, shown(key, value[0]), shown(key, value[1])))
    return changes


activity_type(
    "plan.catalog_changed",
    label=t("Plan changed"),
    sentence=t("%(actor)s changed %(target)s"),
    details={"reason": Detail(t("Reason"))},
    changes=_catalog_changes,
)

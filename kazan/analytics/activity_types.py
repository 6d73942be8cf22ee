"""How the analytics app's activity reads for people (see kazan.activity.registry)."""

from collections.abc import Mapping

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as t

from kazan.activity.registry import Detail, activity_target, activity_type, choice, number
from kazan.analytics.enums import ExportFormat, ExportKind
from kazan.analytics.models import ExportJob

FILTER_LABELS = {
    "since": t("From"),
    "until": t("Until"),
    "name": t("Customer name"),
    "campaign": t("Campaign"),
    "actor": t("Who"),
    "actor_kind": t("Kind of actor"),
    "action": t("Type"),
}


@activity_target("analytics.exportjob")
def _export_jobs(ids, viewer):
    found = ExportJob.objects.filter(pk__in=ids).values_list("pk", flat=True)
    return {pk: _("the export #%(number)s") % {"number": pk} for pk in found}


def _file_size(value: int, _data: Mapping[str, object] | None = None) -> str:
    return str(filesizeformat(value))


EXPORT = {
    "kind": Detail(t("Export"), choice(ExportKind.choices)),
    "format": Detail(t("File format"), choice(ExportFormat.choices)),
}

activity_type(
    "export.requested",
    label=t("Export requested"),
    sentence=t("%(actor)s asked for an export: %(kind)s as %(format)s"),
    details={**EXPORT, "filters": Detail(t("Filtered by"), choice(FILTER_LABELS.items()))},
)
activity_type(
    "export.completed",
    label=t("Export ready"),
    sentence=t("%(target)s (%(kind)s, %(format)s) is ready: %(rows)s rows"),
    details={
        **EXPORT,
        "rows": Detail(t("Rows"), number),
        "bytes": Detail(t("Size"), _file_size),
    },
)
activity_type(
    "export.failed",
    label=t("Export failed"),
    sentence=t("%(target)s (%(kind)s, %(format)s) failed"),
    details={**EXPORT, "error": Detail(t("Error"))},
)
activity_type(
    "export.downloaded",
    label=t("Export downloaded"),
    sentence=t("%(actor)s downloaded %(target)s (%(kind)s, %(format)s, %(rows)s rows)"),
    details={**EXPORT, "rows": Detail(t("Rows"), number)},
)

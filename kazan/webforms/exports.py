"""The "form_submissions" export: a business's contact form submissions as CSV or Excel, with
the dashboard list's filters (period, search, status, channel). Phones and emails are masked,
like every export (analytics.exports); the message is the business's own correspondence.
Registered with analytics' export registry from WebformsConfig.ready()."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kazan.analytics.enums import ExportKind
from kazan.analytics.exports import (
    CHUNK_SIZE,
    Cell,
    ExportFilters,
    Table,
    date_range,
    export_choices_clean,
    export_kind_register,
    local_naive,
    yes_no,
)
from kazan.core.masking import email_mask, phone_mask
from kazan.webforms.models import FormSubmission
from kazan.webforms.queries import submissions_list

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

LABELS: dict[str, str | Promise] = {
    "status": gettext_lazy("Status"),
    "channel": gettext_lazy("Channel"),
}
_CHOICES = {
    "status": frozenset(FormSubmission.Status.values),
    "channel": frozenset(FormSubmission.Channel.values),
}


def submissions_filters_clean(
    *, business: Business | None, given: dict[str, object]
) -> ExportFilters:
    return export_choices_clean(given, _CHOICES, LABELS)


def submissions_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """The business's submissions, newest first, sent in [since, until] (its local days)."""
    assert business is not None  # the registry's rule: "required"
    tz = zoneinfo.ZoneInfo(business.timezone)
    since, until = date_range(filters, tz)
    submissions = submissions_list(
        business=business,
        search=str(filters.get("name", "")),
        status=str(filters.get("status", "")),
        channel=str(filters.get("channel", "")),
        since=since,
        until=until,
    ).select_related(None)
    statuses = dict(FormSubmission.Status.choices)
    channels = dict(FormSubmission.Channel.choices)

    def rows() -> Iterator[list[Cell]]:
        for item in submissions.iterator(chunk_size=CHUNK_SIZE):
            yield [
                local_naive(item.created_at, tz),
                item.name,
                email_mask(item.email),
                phone_mask(item.phone),
                item.message,
                item.language,
                str(channels.get(item.channel, item.channel)),
                yes_no(item.consent_given),
                str(statuses.get(item.status, item.status)),
                item.customer_id,
            ]

    return Table(
        title=_("Contact form of %(business)s") % {"business": business.name},
        headers=[
            _("Sent (%(tz)s)") % {"tz": business.timezone},
            _("Name"),
            _("Email"),
            _("Phone"),
            _("Message"),
            _("Language"),
            _("Channel"),
            _("Consent"),
            _("Status"),
            _("Customer id"),
        ],
        rows=rows(),
        widths=[1.6, 2, 2, 1.5, 5, 0.8, 1.2, 0.9, 1, 0.9],
    )


def export_kinds_register() -> None:
    export_kind_register(
        ExportKind.FORM_SUBMISSIONS,
        submissions_source,
        filters=frozenset({"since", "until", "name", *LABELS}),
        business="required",
        clean=submissions_filters_clean,
        labels=LABELS,
    )

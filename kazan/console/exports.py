"""The console's own platform reports as exports: the activity log and the list of businesses.
Registered with analytics' export registry from ConsoleConfig.ready(); each figure is read
through the owning app's queries."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from kazan.activity.queries import activity_list
from kazan.activity.registry import Viewer, activity_describe
from kazan.analytics.enums import EventKind, ExportKind
from kazan.analytics.exports import (
    CHUNK_SIZE,
    Cell,
    ExportFilters,
    Table,
    date_range,
    export_kind_register,
    local_naive,
)
from kazan.analytics.queries import unscoped_count_subquery, unscoped_scan_count_subquery
from kazan.console.queries import BUSINESS_STATUS_LABELS
from kazan.customers.queries import unscoped_customer_count_subquery
from kazan.messaging.queries import unscoped_sms_balance_subquery
from kazan.tenancy.queries import unscoped_businesses

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def activity_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """The activity log of the whole platform (or one business), newest first, in UTC, each
    entry as the sentence the console shows (activity's registry, for platform staff), read and
    described a chunk at a time: one query per kind of target per chunk, none per row."""
    since, until = date_range(filters, dt.UTC)
    actor = filters.get("actor")
    entries = activity_list(
        business=business,
        actor_id=int(actor) if actor else None,
        action=str(filters.get("action") or "") or None,
        since=since,
        until=until,
        all_businesses=True,
    )
    if filters.get("actor_kind"):
        entries = entries.filter(actor_kind=filters["actor_kind"])
    viewer = Viewer(staff=True)

    def rows() -> Iterator[list[Cell]]:
        for chunk in itertools.batched(entries.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            for line in activity_describe(chunk, viewer=viewer):
                entry = line.entry
                yield [
                    local_naive(entry.created_at, dt.UTC),
                    entry.business.name if entry.business else _("Platform"),
                    line.actor,
                    line.label,
                    line.text,
                ]

    return Table(
        title=_("Activity log"),
        headers=[_("Time (UTC)"), _("Business"), _("Who"), _("Type"), _("What happened")],
        rows=rows(),
        widths=[1.3, 1.8, 1.8, 1.8, 7],
    )


def businesses_source(*, business: Business | None, filters: ExportFilters) -> Table:
    """Every business with its customers, QR scans, website chats and forms submitted over the
    last 30 days (UTC days; the daily counters are kept per local day, so an event near midnight
    may count a day early or late) and SMS credits left. Correlated subqueries, one query."""
    first_day = timezone.now().date() - dt.timedelta(days=29)
    businesses = (
        unscoped_businesses()
        .annotate(
            customers_total=unscoped_customer_count_subquery(),
            scans_30d=unscoped_scan_count_subquery(since=first_day),
            chats_30d=unscoped_count_subquery(kind=EventKind.CHAT_STARTED, since=first_day),
            forms_30d=unscoped_count_subquery(kind=EventKind.FORM_SUBMITTED, since=first_day),
            sms_left=unscoped_sms_balance_subquery(),
        )
        .order_by("slug")
        .values_list(
            "slug",
            "name",
            "status",
            "country",
            "created_at",
            "customers_total",
            "scans_30d",
            "chats_30d",
            "forms_30d",
            "sms_left",
        )
    )

    def rows() -> Iterator[list[Cell]]:
        for row in businesses.iterator(chunk_size=CHUNK_SIZE):
            slug, name, status, country, created, total, scans, chats, forms, sms_left = row
            yield [
                slug,
                name,
                str(BUSINESS_STATUS_LABELS.get(status, status)),
                country,
                timezone.localtime(created, dt.UTC).date(),
                total,
                scans,
                chats,
                forms,
                sms_left,
            ]

    return Table(
        title=_("Businesses"),
        headers=[
            _("Address"),
            _("Name"),
            _("Status"),
            _("Country"),
            _("Created (UTC)"),
            _("Customers"),
            _("QR scans, last 30 days"),
            _("Website chats, last 30 days"),
            _("Forms submitted, last 30 days"),
            _("SMS credits left"),
        ],
        rows=rows(),
        widths=[2, 3, 1, 0.8, 1.2, 1, 1.4, 1.4, 1.4, 1.2],
    )


def export_kinds_register() -> None:
    export_kind_register(
        ExportKind.ACTIVITY,
        activity_source,
        filters=frozenset({"since", "until", "actor", "actor_kind", "action"}),
        business="optional",
    )
    export_kind_register(ExportKind.BUSINESSES, businesses_source, business="none")

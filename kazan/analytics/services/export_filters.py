"""Validating an export's filters: the common ones here (dates, name, actor, action); a kind's
own filters (a campaign, the customer list's filters) by the cleaner its owning app registered."""

import datetime as dt
import re
from typing import TYPE_CHECKING

from django.utils.functional import Promise
from django.utils.translation import gettext as _

from kazan.analytics.error_codes import AnalyticsErrorCode
from kazan.analytics.exports import (
    SOURCES,
    ExportFilters,
    export_invalid,
    export_positive_int,
)
from kazan.core.forms import FILTER_DATE_MAX, FILTER_DATE_MIN

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

EXPORT_NAME_MAX = 120
EXPORT_ACTION_MAX = 64


def _common_labels() -> dict[str, str | Promise]:
    return {
        "since": _("From date"),
        "until": _("Until date"),
        "name": _("Customer name"),
        "actor": _("Actor id"),
        "actor_kind": _("Kind of actor"),
        "action": _("Action"),
    }


def _date_text(value: object, label: str | Promise) -> str | None:
    """A filter date as ISO text; accepts a date or "YYYY-MM-DD"."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise export_invalid(
                _("%(field)s is not a date (use YYYY-MM-DD).") % {"field": label},
                code=AnalyticsErrorCode.INVALID_DATE,
            ) from None
    if not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
        raise export_invalid(
            _("%(field)s is out of range.") % {"field": label},
            code=AnalyticsErrorCode.INVALID_DATE,
        )
    return value.isoformat()


def export_filters_clean(
    *, kind: str, business: "Business | None", filters: dict[str, object] | None
) -> ExportFilters:
    """The filters of an export of `kind`, validated and as plain JSON; empty ones dropped.

    Raises ValidationFailed with a message a person can act on: a filter that does not apply to
    this kind of export, a malformed or reversed date range, a campaign of another business.
    """
    source = SOURCES[kind]
    given = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    labels = _common_labels()
    for registered in SOURCES.values():
        labels.update(registered.labels)
    unknown = sorted(set(given) - source.filters)
    if unknown:
        names = ", ".join(str(labels.get(key, key)) for key in unknown)
        raise export_invalid(
            _("These filters do not apply to this export: %(names)s.") % {"names": names},
            code=AnalyticsErrorCode.INVALID_FILTER,
        )
    clean: ExportFilters = {}
    since = _date_text(given["since"], labels["since"]) if "since" in given else None
    until = _date_text(given["until"], labels["until"]) if "until" in given else None
    if since:
        clean["since"] = since
    if until:
        clean["until"] = until
    if since and until and since > until:
        raise export_invalid(
            _("The start date must be before the end date."), code=AnalyticsErrorCode.INVALID_DATE
        )
    if "name" in given:
        name = " ".join(str(given["name"]).split())
        if len(name) > EXPORT_NAME_MAX:
            raise export_invalid(
                _("The name filter is too long (at most %(max)d characters).")
                % {"max": EXPORT_NAME_MAX}
            )
        if name:
            clean["name"] = name
    if source.clean is not None:
        clean.update(source.clean(business=business, given=given))
    if "actor" in given:
        actor = export_positive_int(given["actor"], labels["actor"])
        if actor is not None:
            clean["actor"] = actor
    if "actor_kind" in given:
        actor_kind = str(given["actor_kind"]).strip()
        if len(actor_kind) > 32 or not re.fullmatch(r"[a-z0-9_:-]+", actor_kind):
            raise export_invalid(_("Unknown kind of actor."))
        clean["actor_kind"] = actor_kind
    if "action" in given:
        action = str(given["action"]).strip()
        if len(action) > EXPORT_ACTION_MAX or not re.fullmatch(r"[a-z0-9_.:-]+", action):
            raise export_invalid(
                _("An action looks like “customer.erased” or a start of it, like “customer.”.")
            )
        clean["action"] = action
    return clean

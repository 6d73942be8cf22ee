"""Recording countable events (the daily counters move with them in the same transaction), and
the console's exports: request, build, download, expiry."""

import datetime as dt
import logging
import os
import re
import secrets
import zoneinfo
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.analytics.models import (
    DailyCount,
    Event,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportOrigin,
    ExportStatus,
)
from kazan.core.db import insert_or_fetch
from kazan.core.errors import KazanError, NotFound, PermissionDenied, RateLimited, ValidationFailed
from kazan.core.forms import FILTER_DATE_MAX, FILTER_DATE_MIN
from kazan.tenancy.models import Role

logger = logging.getLogger("kazan.analytics")


def event_record(
    *, business, kind: str, customer=None, data: dict | None = None, at: datetime | None = None
) -> Event:
    """Call inside the causing change's transaction. `data` holds no personal data."""
    at = at or timezone.now()
    day = at.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    with transaction.atomic():
        event = Event.objects.create(
            business=business, kind=kind, customer=customer, data=data or {}, occurred_at=at
        )
        counter = DailyCount.objects.filter(business=business, kind=kind, day=day)
        if not counter.update(count=F("count") + 1):
            _row, inserted = insert_or_fetch(
                lambda: DailyCount.objects.create(business=business, kind=kind, day=day, count=1),
                lambda: DailyCount.objects.filter(business=business, kind=kind, day=day).first(),
            )
            if not inserted:
                counter.update(count=F("count") + 1)
    return event


def events_import(*, business, events: list[tuple[str, datetime, dict]]) -> int:
    """Past events (kind, when, data) recorded at once — a history brought over from elsewhere,
    or the demo's — and the daily counters recounted to match the event rows. Returns how many."""
    with transaction.atomic():
        Event.objects.bulk_create(
            Event(business=business, kind=kind, occurred_at=at, data=data)
            for kind, at, data in events
        )
        daily_counts_rebuild(business=business)
    return len(events)


def daily_counts_rebuild(*, business) -> int:
    """Recounts the business's daily counters from its event rows (in its time zone), so every
    chart agrees with the events again after an import or a repair. Returns the number of
    counter rows."""
    zone = zoneinfo.ZoneInfo(business.timezone)
    counts: dict[tuple[str, dt.date], int] = {}
    rows = Event.objects.filter(business=business).values_list("kind", "occurred_at")
    for kind, at in rows.iterator(chunk_size=2000):
        key = (kind, at.astimezone(zone).date())
        counts[key] = counts.get(key, 0) + 1
    with transaction.atomic():
        DailyCount.objects.filter(business=business).delete()
        DailyCount.objects.bulk_create(
            DailyCount(business=business, kind=kind, day=day, count=count)
            for (kind, day), count in counts.items()
        )
    return len(counts)


def event_retract(*, business, kind: str, customer=None, at: datetime) -> bool:
    """Takes back the event of `kind` recorded at exactly `at` (pass the same `at` to
    event_record), and its daily count, when the change that caused it is undone (an undone
    voucher redemption). Call inside the undoing change's transaction. False if there was none."""
    event = (
        Event.objects.filter(business=business, kind=kind, customer=customer, occurred_at=at)
        .order_by("-id")
        .first()
    )
    if event is None:
        return False
    day = at.astimezone(zoneinfo.ZoneInfo(business.timezone)).date()
    with transaction.atomic():
        event.delete()
        DailyCount.objects.filter(business=business, kind=kind, day=day, count__gt=0).update(
            count=F("count") - 1
        )
    return True


# --- exports -------------------------------------------------------------------------------------
#
# An export is requested by platform staff, built by a background task into a private directory
# (never under MEDIA_ROOT, so nothing serves it but the console's staff download view), downloaded
# through that view and deleted after EXPORT_RETENTION_DAYS. Every step writes an activity row;
# none of them holds the name filter's text or any other personal data.

# Jobs one staff member may have queued or running at once: exports are heavy.
EXPORT_PENDING_LIMIT = 3
EXPORT_NAME_MAX = 120
EXPORT_ACTION_MAX = 64


def exports_dir() -> Path:
    """Where export files live (settings.EXPORTS_DIR), private to the process owner."""
    path = Path(settings.EXPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def export_retention_days() -> int:
    return settings.EXPORT_RETENTION_DAYS


def export_file_path(job: ExportJob) -> Path | None:
    """The job's file if it is ready and still on disk, else None. The stored name is checked
    again here so a tampered row can never point outside the exports directory."""
    if job.status != ExportStatus.DONE or not _SAFE_FILE_NAME.match(job.file_name or ""):
        return None
    path = exports_dir() / job.file_name
    return path if path.is_file() else None


_SAFE_FILE_NAME = re.compile(r"^[0-9]+-[0-9a-f]{16}\.(csv|xlsx|pdf)$")


def _is_staff(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_staff and actor.is_active)


def export_can_download(*, job: ExportJob, actor) -> bool:
    """Only the staff member who asked for an export (or a superuser) may download its file:
    a colleague who needs the same list asks for their own, which the activity log then shows.
    A business team's own export never leaves through the console."""
    return (
        job.origin == ExportOrigin.CONSOLE
        and _is_staff(actor)
        and (job.requested_by_id == actor.pk or actor.is_superuser)
    )


def team_export_can_download(*, business, job: ExportJob, actor) -> bool:
    """A team's export of `business`: its requester, or an owner of the business, while a member
    allowed to export customers there. Any other business's job, or a console one, is never."""
    if job.origin != ExportOrigin.DASHBOARD or business is None or job.business_id != business.pk:
        return False
    membership = _team_member(business, actor)
    return membership is not None and (
        job.requested_by_id == actor.pk or membership.role == Role.OWNER
    )


def _invalid(message, code: str = "invalid_export") -> ValidationFailed:
    return ValidationFailed(message, code=code)


def _date_text(value, label) -> str | None:
    """A filter date as ISO text; accepts a date or "YYYY-MM-DD"."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise _invalid(
                _("%(field)s is not a date (use YYYY-MM-DD).") % {"field": label},
                code="invalid_date",
            ) from None
    if not FILTER_DATE_MIN <= value <= FILTER_DATE_MAX:
        raise _invalid(_("%(field)s is out of range.") % {"field": label}, code="invalid_date")
    return value.isoformat()


def _positive_int(value, label) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        number = 0
    if number <= 0:
        raise _invalid(_("%(field)s must be a positive number.") % {"field": label})
    return number


def export_filters_clean(*, kind: str, business, filters: dict | None) -> dict:
    """The filters of an export of `kind`, validated and as plain JSON; empty ones dropped.

    Raises ValidationFailed with a message a person can act on: a filter that does not apply to
    this kind of export, a malformed or reversed date range, a campaign of another business.
    """
    from kazan.analytics.exports import SOURCES

    given = {key: value for key, value in (filters or {}).items() if value not in (None, "")}
    allowed = SOURCES[kind].filters
    labels = {
        "since": _("From date"),
        "until": _("Until date"),
        "name": _("Customer name"),
        "campaign": _("Campaign"),
        "actor": _("Actor id"),
        "actor_kind": _("Kind of actor"),
        "action": _("Action"),
        "consent": _("SMS offers"),
        "tag": _("Tag"),
        "rating": _("Rating"),
        "reviewed": _("Review"),
        "voucher": _("Voucher"),
        "sort": _("Order"),
    }
    unknown = sorted(set(given) - allowed)
    if unknown:
        names = ", ".join(str(labels.get(key, key)) for key in unknown)
        raise _invalid(
            _("These filters do not apply to this export: %(names)s.") % {"names": names},
            code="invalid_filter",
        )
    clean: dict = {}
    if "since" in given:
        clean["since"] = _date_text(given["since"], labels["since"])
    if "until" in given:
        clean["until"] = _date_text(given["until"], labels["until"])
    if clean.get("since") and clean.get("until") and clean["since"] > clean["until"]:
        raise _invalid(_("The start date must be before the end date."), code="invalid_date")
    if "name" in given:
        name = " ".join(str(given["name"]).split())
        if len(name) > EXPORT_NAME_MAX:
            raise _invalid(
                _("The name filter is too long (at most %(max)d characters).")
                % {"max": EXPORT_NAME_MAX}
            )
        if name:
            clean["name"] = name
    if "campaign" in given:
        from kazan.campaigns.queries import campaign_get

        campaign_id = _positive_int(given["campaign"], labels["campaign"])
        try:
            campaign_get(business=business, campaign_id=campaign_id)
        except NotFound:
            raise _invalid(
                _("This business has no campaign with this id."), code="invalid_campaign"
            ) from None
        clean["campaign"] = campaign_id
    clean.update(_customer_list_filters_clean(business=business, given=given, labels=labels))
    if "actor" in given:
        clean["actor"] = _positive_int(given["actor"], labels["actor"])
    if "actor_kind" in given:
        actor_kind = str(given["actor_kind"]).strip()
        if len(actor_kind) > 32 or not re.fullmatch(r"[a-z0-9_:-]+", actor_kind):
            raise _invalid(_("Unknown kind of actor."))
        clean["actor_kind"] = actor_kind
    if "action" in given:
        action = str(given["action"]).strip()
        if len(action) > EXPORT_ACTION_MAX or not re.fullmatch(r"[a-z0-9_.:-]+", action):
            raise _invalid(
                _("An action looks like “customer.erased” or a start of it, like “customer.”.")
            )
        clean["action"] = action
    return clean


# The dashboard list's own filters a customer export also takes (see customers.queries).
_CHOICE_FILTERS = {
    "consent": ("yes", "no"),
    "reviewed": ("yes", "no"),
    "voucher": ("open", "redeemed", "none"),
}


def _customer_list_filters_clean(*, business, given: dict, labels: dict) -> dict:
    """The customer list's filters (consent, tag, rating, review, voucher, order), validated."""
    from kazan.customers.queries import CUSTOMER_SORTS, tag_get

    clean: dict = {}
    for key, choices in _CHOICE_FILTERS.items():
        if key in given:
            value = str(given[key]).strip()
            if value not in choices:
                raise _invalid(_("%(field)s has an unknown value.") % {"field": labels[key]})
            clean[key] = value
    if "rating" in given:
        rating = _positive_int(given["rating"], labels["rating"])
        if rating > 5:
            raise _invalid(_("%(field)s has an unknown value.") % {"field": labels["rating"]})
        clean["rating"] = rating
    if "tag" in given:
        tag_id = _positive_int(given["tag"], labels["tag"])
        try:
            tag_get(business=business, tag_id=tag_id)
        except NotFound:
            raise _invalid(
                _("This business has no tag with this id."), code="invalid_tag"
            ) from None
        clean["tag"] = tag_id
    if "sort" in given:
        sort = str(given["sort"])
        if sort not in CUSTOMER_SORTS:
            raise _invalid(_("%(field)s has an unknown value.") % {"field": labels["sort"]})
        clean["sort"] = sort
    return clean


# What a business team may export of its own: its customer list, as a spreadsheet.
TEAM_EXPORT_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX)
TEAM_EXPORT_PERMISSION = "customers.export"


def _team_member(business, actor):
    """The actor's membership in the business if it may export customers there, else None."""
    if business is None or not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    membership = actor.memberships.filter(business=business).first()
    return membership if membership and membership.can(TEAM_EXPORT_PERMISSION) else None


def export_request(
    *, kind: str, fmt: str, filters: dict | None = None, business=None, actor
) -> ExportJob:
    """Platform staff ask for an export; it is built in the background (`export_run`).

    Raises PermissionDenied for anyone but active staff (business teams never export through
    here), ValidationFailed for an unknown kind or format, a business missing (customer lists)
    or not wanted (platform reports), or bad filters (`export_filters_clean`), and RateLimited
    when the actor already has EXPORT_PENDING_LIMIT exports waiting.
    """
    from kazan.analytics.exports import SOURCES

    if not _is_staff(actor):
        raise PermissionDenied()
    if kind not in ExportKind.values:
        raise _invalid(_("Unknown kind of export."), code="invalid_kind")
    if fmt not in ExportFormat.values:
        raise _invalid(_("Unknown file format. Choose CSV, Excel or PDF."), code="invalid_format")
    rule = SOURCES[kind].business
    if rule == "required" and business is None:
        raise _invalid(_("Choose the business whose customers to export."), code="invalid_business")
    if rule == "none" and business is not None:
        raise _invalid(
            _("This report covers every business; leave the business empty."),
            code="invalid_business",
        )
    clean = export_filters_clean(kind=kind, business=business, filters=filters)
    return _export_create(
        kind=kind, fmt=fmt, business=business, filters=clean, actor=actor, origin="console"
    )


def team_export_request(*, business, fmt: str, filters: dict | None = None, actor) -> ExportJob:
    """A business team member asks for their own business's customer list (CSV or Excel), with
    the dashboard list's filters; built in the background like the console's exports.

    Raises PermissionDenied unless the actor is a member allowed to export customers (owners and
    managers), ValidationFailed for another format or bad filters, RateLimited as export_request.
    """
    if _team_member(business, actor) is None:
        raise PermissionDenied()
    if fmt not in TEAM_EXPORT_FORMATS:
        raise _invalid(_("Unknown file format. Choose CSV or Excel."), code="invalid_format")
    if (filters or {}).get("campaign") not in (None, ""):
        raise _invalid(
            _("These filters do not apply to this export: %(names)s.") % {"names": _("Campaign")},
            code="invalid_filter",
        )
    clean = export_filters_clean(kind=ExportKind.CUSTOMERS, business=business, filters=filters)
    return _export_create(
        kind=ExportKind.CUSTOMERS,
        fmt=fmt,
        business=business,
        filters=clean,
        actor=actor,
        origin="dashboard",
    )


def _export_create(*, kind: str, fmt: str, business, filters: dict, actor, origin: str):
    """Queues a validated export, records it and enqueues its build after the commit."""
    with transaction.atomic():
        pending = ExportJob.objects.filter(
            requested_by=actor, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
        ).count()
        if pending >= EXPORT_PENDING_LIMIT:
            raise RateLimited(
                _("You have %(count)d exports still being prepared. Wait until one is ready.")
                % {"count": pending}
            )
        job = ExportJob.objects.create(
            kind=kind,
            format=fmt,
            business=business,
            filters=filters,
            origin=origin,
            language=translation.get_language() or "",
            requested_by=actor,
        )
        activity_record(
            business=business,
            actor=actor,
            action="export.requested",
            target=job,
            # The filters' names only: the name text a person typed stays out of the log.
            data={"kind": kind, "format": fmt, "filters": sorted(filters), "origin": origin},
        )
        job_id = job.pk
        transaction.on_commit(lambda: _export_enqueue(job_id))
    return job


def _export_enqueue(job_id: int) -> None:
    """After commit. If the task cannot be enqueued the job fails visibly, instead of waiting
    forever as "queued"."""
    from kazan.analytics.tasks import export_build

    try:
        export_build.enqueue(job_id)
    except Exception:
        logger.exception("export %s: could not enqueue the task", job_id)
        ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
            status=ExportStatus.FAILED,
            error=str(_("The export could not be started. Please try again.")),
            finished_at=timezone.now(),
        )


def export_run(*, job_id: int) -> str:
    """Builds the file of a queued export (the task's body). Safe to run twice: a finished job is
    left alone, and a job left "running" by a dead worker is built again from the start. The
    file is written under a temporary name and renamed when complete, so a half-written file is
    never downloadable. Returns the job's final status."""
    from kazan.analytics.exports import WRITERS, table_for

    claimed = ExportJob.objects.filter(
        pk=job_id, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).update(status=ExportStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        return "skipped"
    job = ExportJob.objects.select_related("business").get(pk=job_id)
    directory = exports_dir()
    file_name = f"{job.pk}-{secrets.token_hex(8)}.{job.format}"
    partial = directory / f".{file_name}.part"
    try:
        with translation.override(job.language or settings.LANGUAGE_CODE):
            table = table_for(kind=job.kind, business=job.business, filters=job.filters)
            rows = WRITERS[job.format](table, partial)
        os.replace(partial, directory / file_name)
    except Exception as exc:
        partial.unlink(missing_ok=True)
        # Only the exception's class: its text may quote a row (a name, a phone number).
        logger.error(
            "export %s (%s.%s) failed: %s", job.pk, job.kind, job.format, type(exc).__name__
        )
        with translation.override(job.language or settings.LANGUAGE_CODE):
            message = str(
                exc.message
                if isinstance(exc, KazanError)
                else _(
                    "The export failed. Please try again; if it fails again, tell the developers."
                )
            )
        with transaction.atomic():
            failed = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
                status=ExportStatus.FAILED, error=message[:300], finished_at=timezone.now()
            )
            if not failed:  # another run finished it meanwhile
                return "skipped"
            activity_record(
                business=job.business,
                actor=None,
                actor_kind="system",
                action="export.failed",
                target=job,
                data={"kind": job.kind, "format": job.format, "error": type(exc).__name__},
            )
        return ExportStatus.FAILED
    size = (directory / file_name).stat().st_size
    with transaction.atomic():
        updated = ExportJob.objects.filter(pk=job.pk, status=ExportStatus.RUNNING).update(
            status=ExportStatus.DONE,
            file_name=file_name,
            file_size=size,
            row_count=rows,
            error="",
            finished_at=timezone.now(),
        )
        if not updated:  # another run finished first (a worker thought dead was not)
            (directory / file_name).unlink(missing_ok=True)
            return "skipped"
        activity_record(
            business=job.business,
            actor=None,
            actor_kind="system",
            action="export.completed",
            target=job,
            data={
                "kind": job.kind,
                "format": job.format,
                "rows": rows,
                "bytes": size,
                "requested_by": job.requested_by_id,
            },
        )
    return ExportStatus.DONE


def export_downloaded(*, job: ExportJob, actor) -> ExportJob:
    """Records a download (count, time, activity row). Call when the file is about to be sent;
    raises PermissionDenied for anyone but staff, NotFound for staff who may not download it
    (`export_can_download`) and when there is no file (any more)."""
    if not _is_staff(actor):
        raise PermissionDenied()
    if not export_can_download(job=job, actor=actor):
        raise NotFound()
    return _download_record(job=job, actor=actor)


def team_export_downloaded(*, business, job: ExportJob, actor) -> ExportJob:
    """Records a team member's download of their business's export, as export_downloaded;
    NotFound for anyone team_export_can_download refuses (the job's existence stays hidden)."""
    if not team_export_can_download(business=business, job=job, actor=actor):
        raise NotFound()
    return _download_record(job=job, actor=actor)


def _download_record(*, job: ExportJob, actor) -> ExportJob:
    if export_file_path(job) is None:
        raise NotFound(_("This export is not available (any more)."))
    now = timezone.now()
    with transaction.atomic():
        ExportJob.objects.filter(pk=job.pk).update(
            download_count=F("download_count") + 1, downloaded_at=now
        )
        activity_record(
            business=job.business,
            actor=actor,
            action="export.downloaded",
            target=job,
            data={"kind": job.kind, "format": job.format, "rows": job.row_count},
        )
    job.refresh_from_db()
    return job


def exports_expire(*, now: dt.datetime | None = None) -> int:
    """Deletes the files of exports older than the retention and marks them expired; also
    removes stray files (a crashed run's partial file, a file whose row was deleted) older than
    that. Safe to run twice. Returns the number of jobs expired."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=export_retention_days())
    directory = exports_dir()
    expired = 0
    old = ExportJob.objects.filter(created_at__lt=cutoff).exclude(status=ExportStatus.EXPIRED)
    for job in old.only("pk", "file_name", "status").iterator(chunk_size=500):
        if job.file_name and _SAFE_FILE_NAME.match(job.file_name):
            (directory / job.file_name).unlink(missing_ok=True)
        expired += ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.EXPIRED, file_name=""
        )
    known = set(
        ExportJob.objects.exclude(file_name="").values_list("file_name", flat=True).iterator()
    )
    for path in directory.iterdir():
        if path.name in known or not path.is_file():
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, tz=dt.UTC)
        if modified < cutoff:
            path.unlink(missing_ok=True)
    if expired:
        logger.info("exports: %d expired", expired)
    return expired

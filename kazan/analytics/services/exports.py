"""The console's and the business teams' exports: request, build, download, expiry.

An export is requested by platform staff (or a business team, for its own customer list), built
by a background task into a private directory (never under MEDIA_ROOT, so nothing serves it but
the export download views), downloaded through those views and deleted after
EXPORT_RETENTION_DAYS. Every step writes an activity row; none of them holds the name filter's
text or any other personal data."""

import datetime as dt
import logging
import os
import re
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeGuard

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kazan.activity.services import activity_record
from kazan.analytics.enums import ExportFormat, ExportKind, ExportOrigin, ExportStatus
from kazan.analytics.error_codes import AnalyticsErrorCode
from kazan.analytics.exports import SOURCES, WRITERS, ExportFilters, export_invalid, table_for
from kazan.analytics.models import ExportJob
from kazan.analytics.services.export_filters import export_filters_clean
from kazan.core.errors import KazanError, NotFound, PermissionDenied, RateLimited
from kazan.tenancy.queries import membership_is_owner, membership_of

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.tenancy.models import Business, Membership

logger = logging.getLogger("kazan.analytics")

# Jobs one staff member may have queued or running at once: exports are heavy.
EXPORT_PENDING_LIMIT = 3


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


def _is_staff(actor: "User | AnonymousUser") -> TypeGuard["User"]:
    return bool(getattr(actor, "is_authenticated", False) and actor.is_staff and actor.is_active)


def export_can_download(*, job: ExportJob, actor: "User | AnonymousUser") -> bool:
    """Only the staff member who asked for an export (or a superuser) may download its file:
    a colleague who needs the same list asks for their own, which the activity log then shows.
    A business team's own export never leaves through the console."""
    return (
        job.origin == ExportOrigin.CONSOLE
        and _is_staff(actor)
        and (job.requested_by_id == actor.pk or actor.is_superuser)
    )


def team_export_can_download(
    *, business: "Business | None", job: ExportJob, actor: "User | AnonymousUser"
) -> bool:
    """A team's export of `business`: its requester, or an owner of the business, while a member
    allowed to export customers there. Any other business's job, or a console one, is never."""
    if job.origin != ExportOrigin.DASHBOARD or business is None or job.business_id != business.pk:
        return False
    membership = _team_member(business, actor)
    return membership is not None and (
        job.requested_by_id == actor.pk or membership_is_owner(membership)
    )


# What a business team may export of its own: its customer list, as a spreadsheet.
TEAM_EXPORT_FORMATS = (ExportFormat.CSV, ExportFormat.XLSX)
TEAM_EXPORT_PERMISSION = "customers.export"
# What a business team may export of its own business from the dashboard.
TEAM_EXPORT_KINDS = frozenset(
    {ExportKind.CUSTOMERS, ExportKind.FORM_SUBMISSIONS, ExportKind.ORDERS, ExportKind.PRODUCTS}
)


def _team_member(business: "Business | None", actor: "User | AnonymousUser") -> "Membership | None":
    """The actor's membership in the business if it may export customers there, else None."""
    if business is None or actor.is_anonymous or not actor.is_active:
        return None
    membership = membership_of(business=business, user=actor)
    return membership if membership and membership.can(TEAM_EXPORT_PERMISSION) else None


def export_request(
    *,
    kind: str,
    fmt: str,
    filters: dict[str, object] | None = None,
    business: "Business | None" = None,
    actor: "User | AnonymousUser",
) -> ExportJob:
    """Platform staff ask for an export; it is built in the background (`export_run`).

    Raises PermissionDenied for anyone but active staff (business teams never export through
    here), ValidationFailed for an unknown kind or format, a business missing (customer lists)
    or not wanted (platform reports), or bad filters (`export_filters_clean`), and RateLimited
    when the actor already has EXPORT_PENDING_LIMIT exports waiting.
    """
    if not _is_staff(actor):
        raise PermissionDenied()
    if kind not in ExportKind.values or kind not in SOURCES:
        raise export_invalid(_("Unknown kind of export."), code=AnalyticsErrorCode.INVALID_KIND)
    if fmt not in ExportFormat.values:
        raise export_invalid(
            _("Unknown file format. Choose CSV, Excel or PDF."),
            code=AnalyticsErrorCode.INVALID_FORMAT,
        )
    rule = SOURCES[kind].business
    if rule == "required" and business is None:
        raise export_invalid(
            _("Choose the business whose customers to export."),
            code=AnalyticsErrorCode.INVALID_BUSINESS,
        )
    if rule == "none" and business is not None:
        raise export_invalid(
            _("This report covers every business; leave the business empty."),
            code=AnalyticsErrorCode.INVALID_BUSINESS,
        )
    clean = export_filters_clean(kind=kind, business=business, filters=filters)
    return _export_create(
        kind=kind, fmt=fmt, business=business, filters=clean, actor=actor, origin="console"
    )


def team_export_request(
    *,
    business: "Business",
    fmt: str,
    filters: dict[str, object] | None = None,
    actor: "User | AnonymousUser",
    kind: str = ExportKind.CUSTOMERS,
) -> ExportJob:
    """A business team member asks for their own business's customer list (CSV or Excel), with
    the dashboard list's filters, or another of TEAM_EXPORT_KINDS (the contact form's
    submissions); built in the background like the console's exports.

    Raises PermissionDenied unless the actor is a member allowed to export customers (owners and
    managers), ValidationFailed for another format or bad filters, RateLimited as export_request.
    """
    if isinstance(actor, AnonymousUser) or _team_member(business, actor) is None:
        raise PermissionDenied()
    if kind not in TEAM_EXPORT_KINDS or kind not in SOURCES:
        raise export_invalid(_("Unknown kind of export."), code=AnalyticsErrorCode.INVALID_KIND)
    if fmt not in TEAM_EXPORT_FORMATS:
        raise export_invalid(
            _("Unknown file format. Choose CSV or Excel."), code=AnalyticsErrorCode.INVALID_FORMAT
        )
    if (filters or {}).get("campaign") not in (None, ""):
        raise export_invalid(
            _("These filters do not apply to this export: %(names)s.") % {"names": _("Campaign")},
            code=AnalyticsErrorCode.INVALID_FILTER,
        )
    clean = export_filters_clean(kind=kind, business=business, filters=filters)
    return _export_create(
        kind=kind,
        fmt=fmt,
        business=business,
        filters=clean,
        actor=actor,
        origin="dashboard",
    )


def _export_create(
    *,
    kind: str,
    fmt: str,
    business: "Business | None",
    filters: ExportFilters,
    actor: "User",
    origin: Literal["console", "dashboard"],
) -> ExportJob:
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


def export_downloaded(*, job: ExportJob, actor: "User | AnonymousUser") -> ExportJob:
    """Records a download (count, time, activity row). Call when the file is about to be sent;
    raises PermissionDenied for anyone but staff, NotFound for staff who may not download it
    (`export_can_download`) and when there is no file (any more)."""
    if not _is_staff(actor):
        raise PermissionDenied()
    if not export_can_download(job=job, actor=actor):
        raise NotFound()
    return _download_record(job=job, actor=actor)


def team_export_downloaded(
    *, business: "Business | None", job: ExportJob, actor: "User | AnonymousUser"
) -> ExportJob:
    """Records a team member's download of their business's export, as export_downloaded;
    NotFound for anyone team_export_can_download refuses (the job's existence stays hidden)."""
    if isinstance(actor, AnonymousUser) or not team_export_can_download(
        business=business, job=job, actor=actor
    ):
        raise NotFound()
    return _download_record(job=job, actor=actor)


def _download_record(*, job: ExportJob, actor: "User") -> ExportJob:
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

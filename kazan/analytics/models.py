from django.conf import settings
from django.db import models
from django.utils import timezone

from kazan.analytics.enums import (
    EventKind,
    ExportFormat,
    ExportKind,
    ExportOrigin,
    ExportStatus,
)

__all__ = [
    "DailyCount",
    "Event",
    "EventKind",
    "ExportFormat",
    "ExportJob",
    "ExportKind",
    "ExportOrigin",
    "ExportStatus",
]


class Event(models.Model):
    """Something countable that happened for a business (funnel steps, clicks). No personal data
    in `data`: ids, counts and names of things, never phones or text a customer typed."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["business", "kind", "occurred_at"], name="event_biz_kind_idx"),
            models.Index(fields=["kind", "occurred_at"], name="event_kind_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.business_id}"


class DailyCount(models.Model):
    """Events per business, kind and local day (the business's time zone), kept by atomic
    increments as events are recorded, so charts and the console never scan the event table."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=24, choices=EventKind.choices)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "kind", "day"], name="dailycount_unique")
        ]
        indexes = [models.Index(fields=["kind", "day"], name="dailycount_kind_day_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.day}: {self.count}"


class ExportJob(models.Model):
    """One export requested in the platform console and built in the background.

    The file lives in a private directory (never under MEDIA_ROOT) and is served only by the
    console's staff download view; `file_name` is relative to that directory. `filters` holds the
    validated filters as plain JSON (ISO dates, ids, the name text a staff member typed) — the name
    text never goes into the activity log or the logs. Files and rows expire after a few days
    (`exports_expire`, daily).
    """

    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    format = models.CharField(max_length=8, choices=ExportFormat.choices)
    business = models.ForeignKey(
        "tenancy.Business", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    filters = models.JSONField(default=dict, blank=True)
    # A dashboard export is the business team's own (a customer list of its business): only its
    # requester and the business's owners download it, never through the console.
    origin = models.CharField(
        max_length=12, choices=ExportOrigin.choices, default=ExportOrigin.CONSOLE
    )
    # The requester's language: the file's headers are written in it.
    language = models.CharField(max_length=8, blank=True, default="")
    status = models.CharField(
        max_length=12, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    row_count = models.PositiveIntegerField(default=0)
    file_name = models.CharField(max_length=200, blank=True, default="")
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    downloaded_at = models.DateTimeField(null=True, blank=True)
    download_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "customers",
                        "activity",
                        "businesses",
                        "revenue",
                        "form_submissions",
                        "orders",
                        "products",
                    ]
                ),
                name="exportjob_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(format__in=["csv", "xlsx", "pdf"]),
                name="exportjob_format_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="customers") | models.Q(business__isnull=False),
                name="exportjob_customers_need_business",
            ),
            models.CheckConstraint(
                condition=models.Q(origin="console")
                | models.Q(
                    origin="dashboard",
                    kind__in=["customers", "form_submissions", "orders", "products"],
                    business__isnull=False,
                ),
                name="exportjob_dashboard_own_customers",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"], name="exportjob_status_idx"),
            models.Index(fields=["requested_by", "status"], name="exportjob_requester_idx"),
            models.Index(
                fields=["business", "origin", "-created_at"], name="exportjob_business_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"export #{self.pk} {self.kind}.{self.format} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_ready(self) -> bool:
        return self.status == ExportStatus.DONE and bool(self.file_name)

    @property
    def download_name(self) -> str:
        """What the browser saves it as: customers-demo-cafe-2026-12-01.xlsx."""
        scope = self.business.slug if self.business is not None else "all"
        day = (self.finished_at or self.created_at).date().isoformat()
        return f"{self.kind}-{scope}-{day}.{self.format}"

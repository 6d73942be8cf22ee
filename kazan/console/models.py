"""What the console keeps of its own: the staff's alert settings and the alerts themselves.
Everything else it shows belongs to the other apps and is read through their queries."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ConsoleSettings(models.Model):
    """One row (pk=1): what the staff set for the automatic alerts."""

    inactive_after_days = models.PositiveSmallIntegerField(
        _("inactive after (days without a QR scan)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("console settings")
        verbose_name_plural = _("console settings")

    def __str__(self) -> str:
        return f"inactive after {self.inactive_after_days} days"


class Alert(models.Model):
    """A condition the staff should look at. At most one open alert per business and kind; the
    hourly check opens new ones, resolves those whose condition ended, and emails the new ones."""

    class Kind(models.TextChoices):
        INACTIVE_BUSINESS = "inactive_business", _("Inactive business")
        PAYMENT_DEFAULT = "payment_default", _("Payment default")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="console_alerts"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # ids, counts and dates only (no personal data): {"last_scan": "2026-11-02", "days": 14} or
    # {"payment_ids": [3, 9], "amount_minor": 2900, "currency": "EUR"}.
    data = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "kind"],
                condition=Q(resolved_at__isnull=True),
                name="console_alert_open_unique",
            )
        ]
        indexes = [
            models.Index(fields=["resolved_at", "-opened_at"], name="console_alert_open_idx")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of business #{self.business_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

from django.conf import settings
from django.db import models


class Activity(models.Model):
    """Who did what, when, in which business, on which object. Append-only; no personal data."""

    business = models.ForeignKey(
        "tenancy.Business",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="activities",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="activities",
    )
    # Who acted when there is no user: "system", "customer", "provider:twilio", "staff".
    actor_kind = models.CharField(max_length=32, default="user")
    action = models.CharField(max_length=64, db_index=True)  # e.g. "customer.erased"
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "activities"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["business", "-created_at"]),
            models.Index(fields=["business", "action", "-created_at"]),
            models.Index(fields=["actor", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.action} by {self.actor_kind}"

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField


class ChannelInstallation(models.Model):
    """A business's own connection to a channel provider: its Twilio number, later its WhatsApp
    number or Telegram bot. Secrets live only in `credentials` (encrypted JSON, never shown
    again after saving); `config` holds what may be shown (the sender number, a label).
    A business without an installation for a channel uses the platform default where the
    channel has one (SMS: settings.SMS_PROVIDER)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Connected")
        DISCONNECTED = "disconnected", _("Disconnected")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="channel_installations"
    )
    # The channel it serves ("sms", "whatsapp", "telegram") and the provider plugin's key.
    channel = models.CharField(max_length=16)
    provider = models.CharField(max_length=32)
    label = models.CharField(_("name"), max_length=80, blank=True, default="")
    credentials = EncryptedTextField(blank=True, default="")
    config = models.JSONField(default=dict, blank=True)
    # Keyed blind index of the address customers write to (the SMS number, the bot id): routes
    # an inbound message to its business without storing the address in clear.
    address_index = models.CharField(max_length=64, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    last_tested_at = models.DateTimeField(null=True, blank=True)
    last_test_ok = models.BooleanField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["channel", "-created_at", "-id"]
        constraints = [
            # One number or bot answers for one business at a time.
            models.UniqueConstraint(
                fields=["provider", "address_index"],
                condition=Q(status="active") & ~Q(address_index=""),
                name="installation_address_unique_active",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["active", "disconnected"]),
                name="installation_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["business", "channel", "status"], name="installation_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"{self.provider} installation #{self.pk} ({self.channel})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

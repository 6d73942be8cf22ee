"""A secure link: a temporary, signed address that takes one customer to one sensitive operation
on our own pages (registration, paying an order, an invoice, their personal data), so the chat
never carries personal data (seed 002). Only a hash of the token is stored."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Purpose(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    PAYMENT = "payment", _("Payment of an order")
    INVOICE = "invoice", _("Invoice")
    MY_DATA = "my_data", _("My personal data")


class SecureLink(models.Model):
    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="secure_links"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    # The object the link is about (an order's id for payment and invoice); None otherwise.
    target_id = models.BigIntegerField(null=True, blank=True)
    # The channel the link was sent on, so a confirmation goes back there ("whatsapp", …).
    channel = models.CharField(max_length=16, blank=True, default="")
    # SHA-256 of the random token in the URL: a leaked table opens no link.
    token_hash = models.CharField(max_length=64, unique=True)
    single_use = models.BooleanField(default=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "customer", "purpose"], name="securelink_lookup_idx"),
            models.Index(fields=["expires_at"], name="securelink_expiry_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    purpose__in=["registration", "payment", "invoice", "my_data"],
                ),
                name="securelink_purpose_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} link #{self.pk}"

    @property
    def state(self) -> str:
        """live, used, revoked or expired (for the team's list)."""
        from django.utils import timezone

        if self.revoked_at is not None:
            return "revoked"
        if self.used_at is not None:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "live"

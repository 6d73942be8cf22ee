import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.core.db import AppendOnlyModel
from kazan.core.fields import EncryptedTextField
from kazan.core.masking import phone_mask


class Purpose(models.TextChoices):
    OTP = "otp", _("One-time code")
    TRANSACTIONAL = "transactional", _("Transactional")
    MARKETING = "marketing", _("Marketing")


class Status(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """One SMS in the transactional outbox: written in the transaction that causes it, delivered
    by a worker (messaging.outbox), updated by the provider's status callbacks.

    Life: queued -> sending (claimed by a worker, with a lease) -> sent | queued (retry later)
    | failed; sent -> delivered | failed by status callback. `delivered` and `failed` are final.
    """

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="outbound_messages"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    channel = models.CharField(max_length=16, default="sms")
    to = EncryptedTextField(_("to"), blank=True, default="")
    # Keyed blind index of `to` (messaging.phones.to_index): finds a number's messages unread.
    to_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    body = models.TextField(_("text"))
    # The channel-neutral message (engine reply dicts: text, choices, list, image, link,
    # voucher, template) that the channel's renderer turns into its own format at send time;
    # `body` is its plain-text rendering (what SMS sends and credits are counted on).
    payload = models.JSONField(default=dict, blank=True)
    # The business's own connection that sends it; NULL: the platform default of the channel.
    installation = models.ForeignKey(
        "channels.ChannelInstallation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="outbound_messages",
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    encoding = models.CharField(max_length=8, default="GSM-7")
    segments = models.PositiveSmallIntegerField(default=1)
    # Credits taken when the message was written; a refund gives back exactly this.
    credits = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper last re-enqueued it: at most once per SWEEP_REPEAT_SECONDS.
    swept_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=32, blank=True, default="")
    provider_message_id = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # The caller's key: the same key twice in one business gives back the first message.
    idempotency_key = models.CharField(max_length=100)
    # What the provider sees as its idempotency token: unique across businesses and
    # environments, and the same for every attempt at this message.
    delivery_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    error_code = models.CharField(max_length=32, blank=True, default="")
    error_message = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "idempotency_key"], name="outbound_idempotency_per_business"
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"],
                condition=~Q(provider_message_id=""),
                name="outbound_provider_id_unique",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["queued", "sending", "sent", "delivered", "failed"],
                ),
                name="outbound_status_valid",
            ),
        ]
        indexes = [
            # The sweeper: due retries and expired leases.
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due_idx"),
            models.Index(fields=["status", "lease_expires_at"], name="outbound_lease_idx"),
            models.Index(fields=["business", "-created_at"], name="outbound_business_idx"),
            models.Index(
                fields=["business", "status", "-created_at"], name="outbound_business_status_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"SMS #{self.pk} ({self.status})"

    @property
    def to_masked(self) -> str:
        return phone_mask(self.to)


class SmsCreditAccount(models.Model):
    """A business's SMS credit balance. Changed only by one conditional UPDATE per ledger entry
    (messaging.ledger), never read-modify-write, so concurrent sends cannot overspend."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="sms_credit_account"
    )
    balance = models.IntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(balance__gte=0), name="sms_balance_not_negative")
        ]

    def __str__(self) -> str:
        return f"SMS credits of {self.business}: {self.balance}"


class Kind(models.TextChoices):
    GRANT = "grant", _("Grant")
    PURCHASE = "purchase", _("Purchase")
    SEND = "send", _("Send")
    REFUND = "refund", _("Refund")
    ADJUSTMENT = "adjustment", _("Adjustment")


class SmsCreditEntry(AppendOnlyModel):
    """Append-only ledger: one row per change of the balance; their sum is the balance."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="sms_credit_entries"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.IntegerField()  # signed: + credits in, - credits out
    balance_after = models.IntegerField()
    message = models.ForeignKey(
        OutboundMessage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="credit_entries",
    )
    # An outside id (payment, invoice) that makes a credit idempotent: one entry per reference.
    reference = models.CharField(max_length=100, null=True, blank=True)  # noqa: DJ001 (unique, NULL = none)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "SMS credit entries"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "reference"], name="sms_credit_reference_unique"
            ),
            # A message is charged once and refunded at most once.
            models.UniqueConstraint(
                fields=["message", "kind"],
                condition=Q(kind__in=["send", "refund"]),
                name="sms_credit_once_per_message",
            ),
            models.CheckConstraint(condition=Q(balance_after__gte=0), name="sms_entry_after_gte_0"),
            models.CheckConstraint(condition=~Q(amount=0), name="sms_entry_amount_not_zero"),
        ]
        indexes = [models.Index(fields=["business", "-created_at"], name="sms_entry_business_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+d} ({self.business_id})"


class OtpChallenge(models.Model):
    """One phone-verification code sent by SMS. The code is never stored: only an HMAC of it,
    keyed by the deployment's secret and a random per-row salt, so a database leak reveals no
    live code. Dead after OTP_MAX_ATTEMPTS wrong tries, after its expiry, once used, or when a
    newer code is sent to the same number (messaging.otp)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    # Blind index of the number (never the number itself): finds the live code for a phone.
    phone_index = models.CharField(max_length=64, db_index=True)
    salt = models.CharField(max_length=32)
    code_hash = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    verified_at = models.DateTimeField(null=True, blank=True)
    # Set when a newer code replaced this one (a resend) so only the newest is accepted.
    superseded_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        OutboundMessage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["business", "phone_index", "-created_at"], name="otp_lookup_idx")
        ]

    def __str__(self) -> str:
        return f"OTP #{self.pk} ({self.business_id})"


class OtpThrottle(models.Model):
    """When a business last sent a code to a number: the row the resend cooldown is claimed on
    with a conditional UPDATE (messaging.otp), so parallel requests for one number send one
    code. Holds only the number's blind index; dropped by the OTP retention job once the
    cooldown has passed."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    phone_index = models.CharField(max_length=64)
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "phone_index"], name="otp_throttle_unique_phone"
            )
        ]

    def __str__(self) -> str:
        return f"OTP throttle #{self.pk} ({self.business_id})"

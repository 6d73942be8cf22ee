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


class InboundEvent(models.Model):
    """One inbound provider message, stored as received before it is processed: the webhook
    answers at once and a task runs the engine. The provider's id is unique, so a provider's
    retry is dropped here; the payload (numbers, text) is encrypted, the sender blind-indexed
    (GDPR export/erase find it without decrypting)."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        DROPPED = "dropped", _("Dropped")

    provider = models.CharField(max_length=32)
    provider_message_id = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    # The installation whose address it was sent to (None: the platform's shared number).
    installation = models.ForeignKey(
        ChannelInstallation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_events",
    )
    # Known once routed: the installation's business, or who last wrote to the sender.
    business = models.ForeignKey(
        "tenancy.Business",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="inbound_events",
    )
    sender_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    payload = EncryptedTextField(blank=True, default="")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    outcome = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="inbound_event_provider_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} inbound #{self.pk} ({self.status})"


class WidgetSettings(models.Model):
    """A business's website widget (one per business): where it may run (exact origins), how it
    looks and what it says per language, when the team answers. Validated by
    channels.widget.services.widget_settings_update (model validators + `clean`), so a bad
    value never reaches the frame or the loader's snippet."""

    class Position(models.TextChoices):
        BOTTOM_RIGHT = "bottom-right", _("Bottom right")
        BOTTOM_LEFT = "bottom-left", _("Bottom left")

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="widget_settings"
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    # Exact origins `scheme://host[:port]`, normalised (lowercase, default ports dropped).
    allowed_origins = models.JSONField(_("allowed websites"), default=list, blank=True)
    # Empty: the business's brand colour.
    color = models.CharField(_("colour"), max_length=7, blank=True, default="")
    # Empty: the business's logo.
    logo = models.FileField(_("logo"), upload_to="widget/", blank=True)
    position = models.CharField(
        _("position"), max_length=12, choices=Position.choices, default=Position.BOTTOM_RIGHT
    )
    # {language: text}, like Business.greetings; a missing language gets the translated default.
    greetings = models.JSONField(_("greeting"), default=dict, blank=True)
    launcher_texts = models.JSONField(_("launcher text"), default=dict, blank=True)
    offline_messages = models.JSONField(_("offline message"), default=dict, blank=True)
    proactive_messages = models.JSONField(_("proactive message"), default=dict, blank=True)
    # Seconds after the page loads before the proactive message shows; 0: never (the default).
    proactive_delay = models.PositiveSmallIntegerField(
        _("proactive message after (seconds)"), default=0
    )
    # The languages offered (subset of settings.LANGUAGES); empty: all of them.
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # {"0".."6" (Monday = 0): [["09:00", "12:00"], ["14:00", "18:00"]]} in the business's time
    # zone; empty: always open. A weekday missing from a non-empty dict is closed.
    opening_hours = models.JSONField(_("opening hours"), default=dict, blank=True)
    whatsapp_number = models.CharField(_("WhatsApp number"), max_length=20, blank=True, default="")
    whatsapp_text = models.CharField(
        _("WhatsApp message text"), max_length=300, blank=True, default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("website widget")

    def __str__(self) -> str:
        return f"widget of {self.business_id}"


class MemberChat(models.Model):
    """A team member's own chat with the business's bot (Telegram), linked by a one-time deep
    link from the dashboard: where admin test broadcasts and operator notices go."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    external_id = EncryptedTextField()
    external_index = models.CharField(max_length=64)
    linked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "user", "channel"], name="member_chat_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "channel", "external_index"], name="member_chat_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel} chat of user {self.user_id}"


class MemberLinkToken(models.Model):
    """A one-time deep link a team member opens to link their own Telegram chat
    (https://t.me/<bot>?start=m_<token>): only the token's SHA-256 is stored; it expires and
    is used up by the first /start that carries it."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.channel} link of user {self.user_id}"


class ChatBlock(models.Model):
    """A person blocked the business's bot (Telegram's my_chat_member "kicked"): sends to them
    would fail, so broadcasts skip them; starting the bot again removes the row. The chat id is
    kept only as a blind index."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16)
    external_index = models.CharField(max_length=64)
    blocked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "channel", "external_index"], name="chat_block_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} block #{self.pk}"

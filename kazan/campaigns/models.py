"""Campaigns (one offer, on one channel, to the consenting customers of an audience), their
recipients and tracked links, the number a team member sends tests to, and the per-business
rule for automatic reminders to customers who have heard nothing for a while. Sending itself
lives in services/tasks; messages go through the messaging outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")
    STOPPED = "stopped", _("Stopped")


class CampaignKind(models.TextChoices):
    """An offer needs the channel's marketing consent; a service notice (maintenance, an
    announcement about the service itself) goes to everyone reachable on a channel that allows
    notices, as a transactional message (decision 0031)."""

    OFFER = "offer", _("Offer")
    NOTICE = "notice", _("Service notice")


# Until the send task claims it, a campaign may be edited or cancelled.
EDITABLE_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED)


class Campaign(models.Model):
    """One text, on one channel, to every customer of its audience who currently agrees to
    offers on that channel (campaigns.audience: the audience's schema and the channel list).

    Life: draft → scheduled → sending (claimed by the send task, with a lease) → sent, or
    stopped (credits ran out; the rest is reported), or cancelled before sending started.
    """

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="campaigns"
    )
    name = models.CharField(_("name"), max_length=120)
    body = models.TextField(_("text"))
    channel = models.CharField(_("channel"), max_length=16, default="sms")
    # An audience.Audience as JSON (validated by it on every save); {} is everyone reachable.
    audience = models.JSONField(_("audience"), default=dict, blank=True)
    status = models.CharField(
        max_length=12, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=8,
        choices=CampaignKind.choices,
        default=CampaignKind.OFFER,
        db_default=CampaignKind.OFFER,
    )
    # A chat broadcast's heading line: "<emoji> <title>" above the text (empty: none).
    title = models.CharField(_("title"), max_length=100, blank=True, default="", db_default="")
    emoji = models.CharField(_("emoji"), max_length=16, blank=True, default="", db_default="")
    # Test mode: the text went to the team's own linked chats, not to customers.
    test_mode = models.BooleanField(default=False, db_default=False)
    # When every recipient row was written (a paced channel's fan-out), so a resumed send
    # only sends and the audience is read once.
    recipients_ready_at = models.DateTimeField(null=True, blank=True)
    voucher_discount = models.CharField(_("voucher discount"), max_length=120, blank=True)
    voucher_valid_days = models.PositiveSmallIntegerField(
        _("voucher valid for (days)"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The send task's lease: another run may take over only after it expired (a dead worker).
    lease_token = models.CharField(max_length=32, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    recipient_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)  # consent gone, unusable number
    unsent_count = models.PositiveIntegerField(default=0)  # left when it stopped
    stop_reason = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=["draft", "scheduled", "sending", "sent", "cancelled", "stopped"]
                ),
                name="campaign_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["offer", "notice"]), name="campaign_kind_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="campaign_due_idx"),
            models.Index(fields=["business", "-created_at"], name="campaign_business_idx"),
        ]

    def __str__(self) -> str:
        return f"Campaign #{self.pk} ({self.status})"

    @property
    def has_voucher(self) -> bool:
        return bool(self.voucher_discount and self.voucher_valid_days)

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class CampaignRecipient(models.Model):
    """One customer's copy of a campaign: the message written for them, their voucher, and
    when they first opened one of its links."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="recipients")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="campaign_receipts"
    )
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    voucher = models.ForeignKey(
        "loyalty.Voucher", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    clicked_at = models.DateTimeField(null=True, blank=True)
    # Why no message was written when its turn came (consent withdrawn, no chat any more).
    skip_reason = models.CharField(max_length=32, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "customer"], name="campaign_recipient_once"
            ),
        ]
        indexes = [models.Index(fields=["business", "clicked_at"], name="recipient_click_idx")]

    def __str__(self) -> str:
        return f"Recipient #{self.pk} of campaign {self.campaign_id}"


class CampaignMemberCopy(models.Model):
    """A test-mode broadcast's copy to one team member's linked chat (not a customer, so not
    a recipient): one per (campaign, member), tracked through its outbox message."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="member_copies")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="campaign_member_copy_once"),
        ]

    def __str__(self) -> str:
        return f"Test copy of campaign {self.campaign_id} to user {self.user_id}"


class ShortLink(models.Model):
    """A tracked link (/l/<code>) that redirects to `target_url` and counts the clicks."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    code = models.CharField(max_length=16, unique=True)
    target_url = models.URLField(max_length=2000)
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    recipient = models.ForeignKey(
        CampaignRecipient, null=True, blank=True, on_delete=models.CASCADE, related_name="links"
    )
    click_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"/l/{self.code}"


class ReminderRule(models.Model):
    """A business's automatic reminder: customers who consent and got no SMS from the business
    for `days_without_sms` days receive `template`, at most `cap_per_customer` times since
    their last visit (so somebody who never comes back is not nagged forever)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="reminder_rule"
    )
    enabled = models.BooleanField(_("enabled"), default=False)
    days_without_sms = models.PositiveSmallIntegerField(_("days without SMS"), default=30)
    template = models.TextField(_("text"), blank=True)
    cap_per_customer = models.PositiveSmallIntegerField(_("reminders per customer"), default=3)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminder rule of {self.business_id}"


class ReminderSent(models.Model):
    """One reminder to one customer on one (business-local) day: the daily job's idempotency."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="reminders_received"
    )
    day = models.DateField()
    message = models.ForeignKey(
        "messaging.OutboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "customer", "day"], name="reminder_once_per_day"
            ),
        ]
        indexes = [models.Index(fields=["customer", "created_at"], name="reminder_customer_idx")]

    def __str__(self) -> str:
        return f"Reminder to {self.customer_id} on {self.day}"


class SelfTestPhone(models.Model):
    """The mobile number a team member sends campaign tests to, remembered per membership
    (encrypted at rest; it goes when the membership goes)."""

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    membership = models.OneToOneField(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+"
    )
    phone = EncryptedTextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Test phone of membership {self.membership_id}"


class StopReply(models.Model):
    """An inbound STOP (or equivalent) SMS already acted on: a replayed webhook does nothing.
    No phone number is kept; only the provider's message id and what came of it."""

    provider = models.CharField(max_length=32)
    provider_message_id = models.CharField(max_length=64)
    withdrawn = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_message_id"], name="stop_reply_once"
            ),
        ]

    def __str__(self) -> str:
        return f"STOP {self.provider}:{self.provider_message_id}"

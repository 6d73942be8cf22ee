"""Tables of the webforms app: a business's contact form (its settings) and what visitors sent
through it. Contact details are encrypted at rest; email and phone are found by keyed blind
indexes (the customers app's scopes, so one index value means one address everywhere)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField
from kazan.core.masking import email_mask, phone_mask

# The fields a contact form may have, in the order it shows them.
FIELD_NAMES = ("name", "email", "phone", "message")


def fields_default() -> dict[str, dict[str, bool]]:
    """Name and email asked, email required; phone offered; message asked and required."""
    return {
        "name": {"enabled": True, "required": False},
        "email": {"enabled": True, "required": True},
        "phone": {"enabled": True, "required": False},
        "message": {"enabled": True, "required": True},
    }


class FormMode(models.TextChoices):
    BUILT_IN = "built_in", _("Kazan's contact form")
    THIRD_PARTY = "third_party", _("A form on another website (link)")


class FormSettings(models.Model):
    """How one business's contact form looks and what happens to a submission. A business
    without a row has the defaults (queries.form_settings_get builds them unsaved)."""

    business = models.OneToOneField(
        "tenancy.Business", on_delete=models.CASCADE, related_name="form_settings"
    )
    mode = models.CharField(max_length=12, choices=FormMode.choices, default=FormMode.BUILT_IN)
    third_party_url = models.URLField(max_length=500, blank=True, default="")
    # {field name: {"enabled": bool, "required": bool}} for FIELD_NAMES.
    fields = models.JSONField(default=fields_default)
    # {language: text}; a language without a text shows the translated default.
    titles = models.JSONField(default=dict, blank=True)
    intros = models.JSONField(default=dict, blank=True)
    consent_texts = models.JSONField(default=dict, blank=True)
    # Whether the form asks for consent at all, and whether it must be given to send.
    consent_enabled = models.BooleanField(default=True)
    consent_required = models.BooleanField(default=False)
    notify = models.BooleanField(default=True)
    # Who gets the notification; none chosen: the business's owners.
    notify_members = models.ManyToManyField("tenancy.Membership", blank=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"form settings of business #{self.business_id}"


class FormSubmission(models.Model):
    """One sent form. The customer is the one matched (or created) by email or phone; the
    consent fields keep the exact text the person saw next to the box."""

    class Channel(models.TextChoices):
        WIDGET = "widget", _("Website widget")
        WEB = "web", _("Web page")
        API = "api", "API"

    class Status(models.TextChoices):
        NEW = "new", _("New")
        READ = "read", _("Read")
        HANDLED = "handled", _("Handled")

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="form_submissions"
    )
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="form_submissions",
    )
    name = EncryptedTextField(blank=True, default="")
    # Of the case-folded name: the dashboard finds a submission by its exact name.
    name_index = models.CharField(max_length=64, blank=True, default="")
    email = EncryptedTextField(blank=True, default="")
    email_index = models.CharField(max_length=64, blank=True, default="")
    phone = EncryptedTextField(blank=True, default="")
    phone_index = models.CharField(max_length=64, blank=True, default="")
    message = EncryptedTextField(blank=True, default="")
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, blank=True, default="")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # The chat the form was sent from (conversations' id; no foreign key across the layers).
    conversation_id = models.PositiveBigIntegerField(null=True, blank=True)
    consent_given = models.BooleanField(default=False)
    consent_text = models.TextField(blank=True, default="")
    origin = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.NEW)
    handled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["business", "-created_at", "-id"], name="submission_recent_idx"),
            models.Index(fields=["business", "name_index"], name="submission_name_idx"),
            models.Index(fields=["business", "email_index"], name="submission_email_idx"),
            models.Index(fields=["business", "phone_index"], name="submission_phone_idx"),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"form submission #{self.pk}"

    @property
    def email_masked(self) -> str:
        return email_mask(self.email)

    @property
    def phone_masked(self) -> str:
        return phone_mask(self.phone)

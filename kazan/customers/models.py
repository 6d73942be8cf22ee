from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField
from kazan.core.masking import email_mask, phone_mask


class Customer(models.Model):
    """One person as known to one business. Contact details are encrypted; look-ups go through
    keyed blind indexes, so "is this phone already a customer here" is a single indexed query."""

    business = models.ForeignKey(
        "tenancy.Business", on_delete=models.CASCADE, related_name="customers"
    )
    name = models.CharField(_("name"), max_length=120, blank=True)
    phone_e164 = EncryptedTextField(_("phone"), blank=True, default="")
    phone_index = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique, NULL = none)
    # Index of the last digits only (phones.phone_suffix_index_for): search by "…4567".
    phone_suffix_index = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (NULL = none)
    email = EncryptedTextField(_("email"), blank=True, default="")
    email_index = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (unique, NULL = none)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    tags = models.ManyToManyField("customers.Tag", blank=True, related_name="customers")
    first_interaction_at = models.DateTimeField(null=True, blank=True)
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    # Filled the registration form of a secure link (seed 002: "registered?").
    registered_at = models.DateTimeField(null=True, blank=True)
    # The team blocked this person: their messages are ignored on every channel.
    blocked_at = models.DateTimeField(null=True, blank=True)
    # Encrypted JSON {"street", "apartment", "city", "state", "postal_code", "country"}: where
    # orders are shipped. Entered by the customer on a secure page, never in a chat.
    address = EncryptedTextField(_("address"), blank=True, default="", db_default="")
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "phone_index"], name="customer_phone_unique_per_business"
            ),
            models.UniqueConstraint(
                fields=["business", "email_index"], name="customer_email_unique_per_business"
            ),
        ]
        indexes = [
            models.Index(fields=["business", "-created_at"]),
            models.Index(fields=["business", "-last_interaction_at"]),
            models.Index(
                fields=["business", "phone_suffix_index"], name="customer_phone_suffix_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"customer #{self.pk}"

    @property
    def phone_masked(self) -> str:
        return phone_mask(self.phone_e164)

    @property
    def email_masked(self) -> str:
        return email_mask(self.email)

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


class Tag(models.Model):
    """A label the team puts on customers ("regular", "vegan"); names are unique per business,
    ignoring case (the services look names up case-insensitively)."""

    class Color(models.TextChoices):
        GRAY = "gray", _("Gray")
        RED = "red", _("Red")
        ORANGE = "orange", _("Orange")
        GREEN = "green", _("Green")
        BLUE = "blue", _("Blue")
        PURPLE = "purple", _("Purple")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=40)
    color = models.CharField(max_length=8, choices=Color.choices, default=Color.GRAY)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "name"], name="tag_unique"),
            models.CheckConstraint(
                condition=models.Q(color__in=["gray", "red", "orange", "green", "blue", "purple"]),
                name="tag_color_valid",
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChannelIdentity(models.Model):
    """How one channel knows a person of one business: a phone number for SMS, a WhatsApp
    number, a Telegram chat id, a web visitor's session token. The handle (`external_id`) is
    encrypted and found by its keyed blind index (customers.identities). `customer` stays empty
    until the person is known (a verified phone, a registration); erasing the customer erases
    its identities."""

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        WHATSAPP = "whatsapp", "WhatsApp"
        TELEGRAM = "telegram", "Telegram"
        WEB = "web", _("Website")
        WIDGET = "widget", _("Website widget")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="identities"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    external_id = EncryptedTextField()
    external_index = models.CharField(max_length=64)
    # What the channel calls the person (a WhatsApp profile name, a Telegram first name).
    display_name = models.CharField(max_length=120, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # When the person last wrote on this channel: opens WhatsApp's 24-hour service window
    # (only the customer's own messages do).
    last_inbound_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["business", "channel", "external_index"], name="identity_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} identity #{self.pk}"


class ConsentWording(models.Model):
    """The exact text a customer saw, versioned. Never edited: a new text is a new version."""

    purpose = models.CharField(max_length=40)
    version = models.CharField(max_length=20)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version", "language"], name="consent_wording_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.version} ({self.language})"


# How the consent ledger's `channel` values read on screen; unknown values are shown as stored.
CONSENT_CHANNEL_LABELS = {
    "web": _("Website"),
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "dashboard": _("Recorded by the team"),
    "api": "API",
    "erasure": _("Erasure request"),
}


class ConsentRecord(models.Model):
    """Append-only consent ledger: the latest record per (customer, purpose) is the current one."""

    class Purpose(models.TextChoices):
        SMS_MARKETING = "sms_marketing", _("SMS offers")
        WHATSAPP_MARKETING = "whatsapp_marketing", _("WhatsApp offers")
        TELEGRAM_MARKETING = "telegram_marketing", _("Telegram offers")
        EMAIL_MARKETING = "email_marketing", _("Email offers")
        # The GDPR approval a shop asks before it processes a person's data (seed 002).
        DATA_PROCESSING = "data_processing", _("Processing of personal data")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(max_length=40, choices=Purpose.choices)
    granted = models.BooleanField()
    channel = models.CharField(max_length=32)  # where it was given: web, sms (STOP), dashboard…
    wording = models.ForeignKey(
        ConsentWording, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ip_address = EncryptedTextField(blank=True, default="")
    user_agent = models.CharField(max_length=400, blank=True)
    occurred_at = models.DateTimeField()

    class Meta:
        # Serves "the latest record per (customer, purpose)" — the correlated subquery behind
        # consent_is_granted / customers_consenting reads one index entry per customer.
        indexes = [
            models.Index(
                fields=["customer", "purpose", "-occurred_at", "-id"],
                name="consent_latest_idx",
            )
        ]
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"{self.purpose} {state} by customer #{self.customer_id}"

    @property
    def channel_label(self) -> str:
        return str(CONSENT_CHANNEL_LABELS.get(self.channel, self.channel))


class CustomerProfile(models.Model):
    """A person a customer registers through the conversational form of seed 004 §3.1 (the
    TeleKpr "customer profile"); one customer (a Telegram user) may register several and pick
    one per order. Contact data, birth date, address and password are encrypted at rest."""

    class Gender(models.TextChoices):
        FEMALE = "female", _("Female")
        MALE = "male", _("Male")
        OTHER = "other", _("Other")
        UNDISCLOSED = "undisclosed", _("Prefer not to say")

    business = models.ForeignKey("tenancy.Business", on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="profiles")
    first_name = models.CharField(_("first name"), max_length=80)
    middle_name = models.CharField(_("middle name"), max_length=80, blank=True, default="")
    last_name = models.CharField(_("last name"), max_length=80)
    phone_e164 = EncryptedTextField(_("phone"), blank=True, default="")
    email = EncryptedTextField(_("email"), blank=True, default="")
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, blank=True)
    # ISO date, encrypted.
    date_of_birth = EncryptedTextField(_("date of birth"), blank=True, default="")
    # Encrypted JSON {"street", "apartment", "city", "state", "postal_code", "country"}, the
    # same shape as Customer.address.
    address = EncryptedTextField(_("address"), blank=True, default="")
    telegram_username = models.CharField(_("Telegram username"), max_length=64, blank=True)
    instagram_username = models.CharField(_("Instagram username"), max_length=64, blank=True)
    # The password the team uses to fulfil orders for this person (seed 004: "optional or
    # generated", stored encrypted, not hashed: operators must be able to read it).
    password = EncryptedTextField(_("password"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["business", "customer"], name="profile_customer_idx")]

    def __str__(self) -> str:
        return f"profile {self.pk} of customer {self.customer_id}"

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

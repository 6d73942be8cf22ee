import datetime as dt
import hashlib
import secrets
import zoneinfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.core.fields import EncryptedTextField

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$",
    _("Use 3–50 lowercase letters, digits and hyphens."),
)
color_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Use a colour like #1f7a5a."))
# Paths that a business slug must not shadow (see the URL map in DESIGN.md).
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "console",
        "dashboard",
        "hooks",
        "static",
        "media",
        "healthz",
        "dev",
        "accounts",
        "widget.js",
        "widget",
        "i18n",
        "www",
        "app",
        "login",
        "logout",
    }
)


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value})


def validate_slug_not_reserved(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(_("This address is reserved."))


CHAT_TEXT_MAX = 300
# The business's own chat texts, one per language the landing page offers; a language without
# a text gets the translated default ("Welcome to <business>! …").
CHAT_TEXT_FIELDS = ("greetings", "thank_you_texts")


def validate_language_texts(value) -> None:
    """{language code: text}: only the languages we offer, texts of at most 300 characters."""
    if not isinstance(value, dict):
        raise ValidationError(_("Expected one text per language."))
    codes = {code for code, _name in settings.LANGUAGES}
    for code, text in value.items():
        if code not in codes:
            raise ValidationError(_("Unknown language: %(code)s"), params={"code": str(code)[:8]})
        if not isinstance(text, str) or len(text) > CHAT_TEXT_MAX:
            raise ValidationError(
                _("Each text may have at most %(max)d characters."), params={"max": CHAT_TEXT_MAX}
            )


def sha256_hex(value: str) -> str:
    """The stored form of invitation tokens and API keys: enough for high-entropy secrets."""
    return hashlib.sha256(value.encode()).hexdigest()


def client_id_new() -> str:
    return "pk_" + secrets.token_urlsafe(18)


class Business(models.Model):
    """The tenant. Every tenant-owned row points here."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class SuspensionCause(models.TextChoices):
        STAFF = "staff", _("Platform staff")
        BILLING = "billing", _("Unpaid subscription")

    slug = models.SlugField(
        _("address"),
        max_length=50,
        unique=True,
        validators=[slug_validator, validate_slug_not_reserved],
    )
    name = models.CharField(_("name"), max_length=120)
    address = models.CharField(_("address"), max_length=250, blank=True)
    country = models.CharField(
        _("country"),
        max_length=2,
        default="DE",
        help_text=_("ISO country code; the default region for phone numbers."),
    )
    latitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Berlin", validators=[validate_timezone]
    )
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    logo = models.FileField(_("logo"), upload_to="logos/", blank=True)
    brand_color = models.CharField(
        _("brand colour"), max_length=7, default="#1f7a5a", validators=[color_validator]
    )
    website_url = models.URLField(_("website"), blank=True)
    instagram_url = models.URLField(_("Instagram"), blank=True)
    facebook_url = models.URLField(_("Facebook"), blank=True)
    tiktok_url = models.URLField(_("TikTok"), blank=True)
    google_review_url = models.URLField(_("Google review link"), blank=True)
    # What the landing-page chat says, by language: {"de": "Servus!", …}. A language without a
    # text gets the translated default ("Welcome to …!"), never another language's text.
    greetings = models.JSONField(
        _("greetings"), default=dict, blank=True, validators=[validate_language_texts]
    )
    thank_you_texts = models.JSONField(
        _("thank-you texts"), default=dict, blank=True, validators=[validate_language_texts]
    )
    # The welcome gift: what the voucher gives and how long it stays valid.
    voucher_discount_text = models.CharField(
        _("voucher discount"), max_length=120, blank=True, default="10 %"
    )
    voucher_validity_days = models.PositiveSmallIntegerField(
        _("voucher validity (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    # ISO codes of the countries whose phone numbers the landing page accepts (SMS pumping guard);
    # empty = the business's own country only.
    allowed_countries = models.JSONField(_("allowed countries"), default=list, blank=True)
    # Publishable id for the widget and API (X-Client-ID); not a secret.
    client_id = models.CharField(max_length=40, unique=True, default=client_id_new, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    # Who suspended it: staff (abuse, a request) or billing (unpaid past the grace period). A
    # payment lifts only billing's suspension; staff's stays until staff lift it.
    suspension_cause = models.CharField(
        max_length=10, choices=SuspensionCause.choices, blank=True, default="", db_default=""
    )
    # API requests a day for the whole business (seed 002: workspace quotas); staff set it.
    api_daily_quota = models.PositiveIntegerField(
        _("API requests per day"), default=10000, db_default=10000
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("business")
        verbose_name_plural = _("businesses")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def today(self) -> dt.date:
        """Today where the business is: what "today" and "in a week" mean to its customers
        (the server's date differs around midnight)."""
        return timezone.localdate(timezone=zoneinfo.ZoneInfo(self.timezone or "UTC"))

    def chat_text(self, field: str, language: str) -> str:
        """The business's own greeting or thank-you text (`field` in CHAT_TEXT_FIELDS) for a
        guest reading `language`; "" when it wrote none, so the caller says the default."""
        texts = getattr(self, field) if field in CHAT_TEXT_FIELDS else {}
        if not isinstance(texts, dict):
            return ""
        text = texts.get(language) or texts.get((language or "").split("-")[0].lower())
        return text.strip() if isinstance(text, str) else ""

    @property
    def phone_countries(self) -> list[str]:
        """Countries whose numbers the landing page accepts."""
        return list(self.allowed_countries) or [self.country]


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    AGENT = "agent", _("Agent")
    # Seed 004: an operator works the order queue (the orders assigned to them).
    OPERATOR = "operator", _("Operator")


# What each role may do; the views ask `membership.can(...)`.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.OWNER: frozenset(
        {
            "customers.view",
            "customers.edit",
            "customers.erase",
            "customers.export",
            "team.manage",
            "settings.edit",
            "messaging.send",
            "billing.manage",
            "activity.view",
            "vouchers.redeem",
            "catalog.edit",
            "orders.manage",
            "queue.manage",
            "queue.work",
            "wallet.adjust",
        }
    ),
    Role.MANAGER: frozenset(
        {
            "customers.view",
            "customers.edit",
            "customers.erase",
            "customers.export",
            "settings.edit",
            "messaging.send",
            "activity.view",
            "vouchers.redeem",
            "catalog.edit",
            "orders.manage",
            "queue.manage",
            "queue.work",
            "wallet.adjust",
        }
    ),
    # Seed 002: an agent handles the customers' chats and processes their orders.
    Role.AGENT: frozenset({"customers.view", "vouchers.redeem", "orders.manage"}),
    # queue.work: see the queue, take and complete the orders assigned to them, add notes.
    # queue.manage (owners, managers: seed 004's admins): assign, reorder, cancel, rerun.
    Role.OPERATOR: frozenset({"customers.view", "queue.work"}),
}


class Membership(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "user"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.business} ({self.role})"

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS.get(self.role, frozenset())

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class Invitation(models.Model):
    """A single-use, expiring link that makes its holder a member. Only the token hash is kept."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        REVOKED = "revoked", _("Revoked")
        EXPIRED = "expired", _("Expired")

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="invitations")
    email = EncryptedTextField()
    # Blind index of the normalized email (accounts.models.email_index): finds a user or an
    # earlier invitation for the same address without decrypting.
    email_index = models.CharField(max_length=64, db_index=True, blank=True, default="")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.AGENT)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"invitation #{self.pk} to {self.business} as {self.role}"

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return self.Status.ACCEPTED
        if self.revoked_at is not None:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


API_KEY_PREFIX_LENGTH = 8


class ApiKey(models.Model):
    """A secret an integration sends as `Authorization: Bearer kz_<prefix>_<secret>`.

    It acts for its business with the manager's permissions. Only the sha256 of the whole key is
    stored; the prefix stays readable so people can tell their keys apart.
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"API key kz_{self.prefix}_… of {self.business}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

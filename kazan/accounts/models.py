from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kazan.accounts.emails import email_index, email_normalize
from kazan.core.fields import EncryptedTextField


class UserManager(BaseUserManager["User"]):
    def get_by_natural_key(self, username):
        # Django's auth hands us the typed email; we look it up by its blind index.
        return self.get(email_index=email_index(username))

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        if not email:
            raise ValueError("email is required")
        user = self.model(email=email_normalize(email), email_index=email_index(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email_index: str, password: str | None = None, **extra):
        # createsuperuser passes the USERNAME_FIELD by name; it holds the plain email here.
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email_index, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a business team member or platform staff (is_staff).

    The email is encrypted at rest; `email_index` (a keyed hash) is what login looks up.
    """

    email = EncryptedTextField(_("email address"))
    email_index = models.CharField(_("email address"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=8, default="en")
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(
        default=False, help_text=_("Platform staff: reaches the console and the admin.")
    )
    totp_secret = EncryptedTextField(blank=True, default="")
    totp_enabled_at = models.DateTimeField(null=True, blank=True)
    # The last TOTP time step accepted: a code of this step or an earlier one is never taken again.
    totp_last_step = models.BigIntegerField(null=True, blank=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email_index"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or f"user #{self.pk}"

    def get_username(self) -> str:
        """The email as the person typed it. USERNAME_FIELD is the blind index (a hash) only so
        that sign-in can look it up; wherever Django shows "the username" (the admin's greeting
        and forms, natural keys) it is this."""
        return self.email

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email

    def clean(self):
        # AbstractBaseUser.clean would "normalize" the hash; keep email and index in step instead.
        if self.email:
            self.email = email_normalize(self.email)
            self.email_index = email_index(self.email)

    @property
    def has_totp(self) -> bool:
        return self.totp_enabled_at is not None


class RecoveryCode(models.Model):
    """One single-use code that stands in for a TOTP code when the phone is lost.

    Only a keyed hash is stored (see accounts.services.recovery_code_hash); the plain codes are
    shown once, when they are made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "code_hash"], name="recovery_code_unique")
        ]

    def __str__(self) -> str:
        return f"recovery code #{self.pk} of user #{self.user_id}"

"""Reads about the signed-in person (their own data only)."""

from django.db.models import QuerySet

from kazan.accounts.models import RecoveryCode, User, email_index


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- for console ---


def user_by_email(*, email: str) -> User | None:
    """The account with this email (emails are encrypted: exact match via the blind index)."""
    return User.objects.filter(email_index=email_index(email)).first() if email else None


def unscoped_staff_active() -> QuerySet[User]:
    """Every active platform staff member, oldest account first (the console's alert emails)."""
    return User.objects.filter(is_staff=True, is_active=True).order_by("pk")

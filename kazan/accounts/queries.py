"""Reads of accounts: about one person, found by who they are or the address they sign in with."""

from kazan.accounts.emails import email_index
from kazan.accounts.models import RecoveryCode, User


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def user_by_email(*, email: str) -> User | None:
    """The account that signs in with `email` (any spelling of it), active or not."""
    return User.objects.filter(email_index=email_index(email)).first() if email else None


# --- for billing and console ---


def unscoped_staff_emails() -> list[str]:
    """The addresses of every active platform staff member, oldest account first."""
    return [
        user.email
        for user in User.objects.filter(is_staff=True, is_active=True).order_by("pk")
        if user.email
    ]

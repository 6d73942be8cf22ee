"""Reads about the signed-in person (their own data only)."""

from kazan.accounts.models import RecoveryCode, User


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


# --- for billing ---


def unscoped_staff_emails() -> list[str]:
    """The addresses of every active platform staff member, oldest account first."""
    return [
        user.email
        for user in User.objects.filter(is_staff=True, is_active=True).order_by("pk")
        if user.email
    ]


def user_or_none(actor: object) -> User | None:
    """The signed-in person behind `actor`, for a "created by" column; None for the anonymous
    user, a system actor or nothing (campaigns use it too)."""
    return actor if isinstance(actor, User) and actor.is_authenticated else None

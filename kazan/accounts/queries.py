"""Reads about the signed-in person (their own data only)."""

from kazan.accounts.models import RecoveryCode, User


def recovery_codes_left(*, user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()

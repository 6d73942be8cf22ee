"""Test steps for platform staff, who must pass two-factor before any page opens to them."""

import pyotp
from django.utils import timezone

from kazan.accounts.middleware import SECOND_FACTOR_SESSION_KEY
from kazan.accounts.models import User
from kazan.accounts.services import LoginMethod, totp_secret_new


def totp_turn_on(user: User) -> pyotp.TOTP:
    """Gives `user` TOTP as test data (the set-up flow itself is tested in test_two_factor)."""
    user.totp_secret = totp_secret_new()
    user.totp_enabled_at = timezone.now()
    user.save(update_fields=["totp_secret", "totp_enabled_at"])
    return pyotp.TOTP(user.totp_secret)


def staff_sign_in(client, user: User) -> None:
    """Signs `user` in on the test client the way a real sign-in leaves them: TOTP on and the
    session marked as having passed the second factor."""
    if not user.has_totp:
        totp_turn_on(user)
    client.force_login(user)
    session = client.session
    session[SECOND_FACTOR_SESSION_KEY] = LoginMethod.TOTP
    session.save()

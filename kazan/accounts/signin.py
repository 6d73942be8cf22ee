"""The one place a session is signed in, for accounts' own sign-in and for the pages of apps
above that sign a new person in (accepting an invitation)."""

from django.contrib.auth import login as auth_login
from django.http import HttpRequest

from kazan.accounts import services
from kazan.accounts.middleware import second_factor_mark
from kazan.accounts.models import User
from kazan.accounts.services import LoginMethod

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def sign_in(request: HttpRequest, user: User, *, backend: str, method: str) -> None:
    """Signs `user` in and records it. A TOTP or recovery code marks the session as having
    passed the second factor (what StaffTwoFactorMiddleware asks of staff)."""
    auth_login(request, user, backend=backend)
    if method in (LoginMethod.TOTP, LoginMethod.RECOVERY_CODE):
        second_factor_mark(request, method)
    services.login_record_success(user=user, method=method)

"""The one gate for platform staff: a staff session reaches nothing (console, admin, API, any other
page) until it has passed the second factor. Enforced here, for every view, so a new staff route
cannot forget it; the staff-only decorators and the admin then only check `is_staff`."""

from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from kazan.core.middleware import wants_json

# Set in the session by a sign-in that checked a TOTP or recovery code, or by turning TOTP on.
SECOND_FACTOR_SESSION_KEY = "accounts_second_factor"

# What a staff session may open before the second factor: signing in and out, setting up TOTP,
# resetting a forgotten password, the language switch and the health check.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "accounts:login",
        "accounts:login_verify",
        "accounts:logout",
        "accounts:totp_enable",
        "accounts:password_reset",
        "accounts:password_reset_confirm",
        "admin_login",
        "set_language",
        "healthz",
    }
)


def second_factor_mark(request, method: str) -> None:
    """Records in the session that this person proved the second factor (`method`)."""
    request.session[SECOND_FACTOR_SESSION_KEY] = method


def second_factor_passed(request) -> bool:
    return bool(request.session.get(SECOND_FACTOR_SESSION_KEY))


class StaffTwoFactorMiddleware:
    """Two-factor is mandatory for platform staff (the console holds the keys to every business).

    A staff member without TOTP is sent to set it up; a staff session that has not passed the
    second factor (a session from before, or one a password alone made) is signed out and asked
    to sign in again. The API gets a JSON 401/403 instead of a redirect.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not (user.is_authenticated and user.is_staff) or second_factor_passed(request):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if user.has_totp:
            auth_logout(request)
            if wants_json(request):
                return JsonResponse(
                    {"code": "unauthorized", "message": _("Sign in first.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        if wants_json(request):
            return JsonResponse(
                {
                    "code": "two_factor_required",
                    "message": _(
                        "Platform staff must turn on two-factor authentication before using "
                        "the API."
                    ),
                },
                status=403,
            )
        return redirect("accounts:totp_enable")  # the page says why

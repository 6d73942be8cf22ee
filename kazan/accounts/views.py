"""Sign-in (password, then TOTP when on), a forgotten password and the security page.
(Accepting an invitation into a team is tenancy's page: kazan.tenancy.public_views.)"""

import time

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kazan.accounts import services
from kazan.accounts.emails import email_index
from kazan.accounts.error_codes import AccountsErrorCode
from kazan.accounts.forms import (
    LoginForm,
    PasswordResetRequestForm,
    RecoveryCodesForm,
    SecondFactorForm,
    TotpConfirmForm,
    TotpDisableForm,
)
from kazan.accounts.middleware import second_factor_mark
from kazan.accounts.models import User
from kazan.accounts.queries import recovery_codes_left
from kazan.accounts.services import LoginMethod
from kazan.accounts.signin import MODEL_BACKEND, sign_in
from kazan.core.errors import Conflict, NotFound, RateLimited, ValidationFailed
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit

# Between a correct password and a correct second factor the session holds only this marker
# (who, which backend, where to go next, since when); the person is not signed in yet.
PENDING_LOGIN_KEY = "accounts_pending_login"
PENDING_LOGIN_SECONDS = 300
TOTP_SETUP_KEY = "accounts_totp_setup"

LOGIN_LIMIT_PER_IP = (30, 600)
LOGIN_LIMIT_PER_EMAIL = (10, 900)
VERIFY_LIMIT_PER_USER = (5, 300)
VERIFY_LIMIT_PER_IP = (20, 300)
SECURITY_LIMIT_PER_USER = (10, 900)
RESET_LIMIT_PER_IP = (10, 3600)
RESET_LIMIT_PER_EMAIL = (3, 3600)
RESET_SESSION_KEY = "accounts_password_reset"
RESET_URL_TOKEN = "set-password"  # noqa: S105 (a placeholder in the URL, not a secret)


def safe_next(url: str | None) -> str | None:
    """Only a path on this site: no scheme, no other host, no protocol-relative //host."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return None
    if not url_has_allowed_host_and_scheme(url, allowed_hosts=None):
        return None
    return url


def _ratelimit(*hits: tuple[str, tuple[int, int]]) -> None:
    for key, (limit, window) in hits:
        ratelimit_hit(key, limit=limit, window_seconds=window)


# --- sign in / out ----------------------------------------------------------------------------


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    next_url = safe_next(request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = LoginForm(request.POST or None)
    context = {"form": form, "next": next_url or ""}
    if request.method != "POST":
        return render(request, "accounts/login.html", context)
    if not form.is_valid():
        return render(request, "accounts/login.html", context, status=400)

    email, password = form.cleaned_data["email"], form.cleaned_data["password"]
    index = email_index(email)
    try:
        _ratelimit(
            (f"login:ip:{client_ip(request)}", LOGIN_LIMIT_PER_IP),
            (f"login:email:{index}", LOGIN_LIMIT_PER_EMAIL),
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return render(request, "accounts/login.html", context, status=429)

    user = authenticate(request, username=email, password=password)
    if user is None:
        known = User.objects.filter(email_index=index).first()
        reason = (
            "unknown_email"
            if known is None
            else "inactive"
            if not known.is_active
            else ("wrong_password")
        )
        services.login_record_failure(user=known, reason=reason)
        form.add_error(None, _("The email or password is wrong."))
        return render(request, "accounts/login.html", context, status=400)

    if user.has_totp:
        request.session.pop(TOTP_SETUP_KEY, None)
        request.session[PENDING_LOGIN_KEY] = {
            "user_id": user.pk,
            "backend": user.backend,
            "next": next_url,
            "since": int(time.time()),
        }
        return redirect("accounts:login_verify")

    sign_in(request, user, backend=user.backend, method=LoginMethod.PASSWORD)
    if user.is_staff:
        # Two-factor is mandatory for staff: StaffTwoFactorMiddleware keeps every other page
        # closed until it is on; go straight to setting it up.
        return redirect("accounts:totp_enable")
    return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))


@never_cache
@require_GET
def admin_login(request):
    """/admin/login/ takes no password: the admin signs in through the one sign-in above (rate
    limits, second factor), then comes back. Django's own admin login form is never served."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise NotFound()  # the admin, like the console, does not exist for non-staff
    next_url = safe_next(request.GET.get("next")) or reverse("admin:index")
    return redirect(f"{reverse('accounts:login')}?{urlencode({'next': next_url})}")


def _pending_login(request) -> tuple[User, dict] | None:
    pending = request.session.get(PENDING_LOGIN_KEY)
    if not isinstance(pending, dict):
        return None
    if time.time() - pending.get("since", 0) > PENDING_LOGIN_SECONDS:
        del request.session[PENDING_LOGIN_KEY]
        return None
    user_id = pending.get("user_id")
    user = (
        User.objects.filter(pk=user_id, is_active=True).first()
        if isinstance(user_id, int)
        else None
    )
    if user is None or not user.has_totp:
        del request.session[PENDING_LOGIN_KEY]
        return None
    return user, pending


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def login_verify(request):
    pending = _pending_login(request)
    if pending is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    user, marker = pending
    form = SecondFactorForm(request.POST or None)
    if request.method != "POST":
        return render(request, "accounts/login_verify.html", {"form": form})
    if not form.is_valid():
        return render(request, "accounts/login_verify.html", {"form": form}, status=400)
    try:
        _ratelimit(
            (f"login_verify:user:{user.pk}", VERIFY_LIMIT_PER_USER),
            (f"login_verify:ip:{client_ip(request)}", VERIFY_LIMIT_PER_IP),
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return render(request, "accounts/login_verify.html", {"form": form}, status=429)

    method = services.second_factor_verify(user=user, code=form.cleaned_data["code"])
    if method is None:
        services.login_record_failure(user=user, reason="wrong_code")
        form.add_error("code", _("This code is not right, or it was used already."))
        return render(request, "accounts/login_verify.html", {"form": form}, status=400)

    del request.session[PENDING_LOGIN_KEY]
    sign_in(request, user, backend=marker.get("backend") or MODEL_BACKEND, method=method)
    if method == LoginMethod.RECOVERY_CODE:
        left = recovery_codes_left(user=user)
        messages.warning(
            request,
            _(
                "You signed in with a recovery code; %(count)d are left. "
                "Make new ones on the security page if you are running low."
            )
            % {"count": left},
        )
    return redirect(safe_next(marker.get("next")) or resolve_url(settings.LOGIN_REDIRECT_URL))


@require_POST
def logout(request):
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- forgotten password -----------------------------------------------------------------------


@sensitive_post_parameters("email")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method != "POST":
        return render(request, "accounts/password_reset.html", {"form": form})
    if not form.is_valid():
        return render(request, "accounts/password_reset.html", {"form": form}, status=400)
    email = form.cleaned_data["email"]
    try:
        _ratelimit(
            (f"password_reset:ip:{client_ip(request)}", RESET_LIMIT_PER_IP),
            (f"password_reset:email:{email_index(email)}", RESET_LIMIT_PER_EMAIL),
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return render(request, "accounts/password_reset.html", {"form": form}, status=429)
    services.password_reset_request(email=email)
    # The same page whether or not the address has an account.
    return render(
        request,
        "accounts/password_reset_sent.html",
        {"minutes": settings.PASSWORD_RESET_TIMEOUT // 60},
    )


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64: str, token: str):
    if token != RESET_URL_TOKEN:
        # Like Django's own view: keep the token in the session and drop it from the address
        # bar, so it cannot leak through the page's links, history or a Referer header.
        request.session[RESET_SESSION_KEY] = token[:100]
        return redirect("accounts:password_reset_confirm", uidb64=uidb64, token=RESET_URL_TOKEN)
    user = services.password_reset_user(
        uidb64=uidb64[:40], token=request.session.get(RESET_SESSION_KEY, "")
    )
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method != "POST":
        return render(request, "accounts/password_reset_confirm.html", {"form": form})
    if not form.is_valid():
        return render(request, "accounts/password_reset_confirm.html", {"form": form}, status=400)
    services.password_reset_complete(user=user, new_password=form.cleaned_data["new_password1"])
    auth_logout(request)  # whoever was signed in here signs in afresh (second factor included)
    messages.success(request, _("Your password has been changed. Please sign in."))
    return redirect("accounts:login")


# --- security page ----------------------------------------------------------------------------


def _layout(request) -> str:
    """The dashboard frame when the person works in a business now, else the plain one."""
    return "dashboard/base.html" if getattr(request, "membership", None) else "base.html"


def _security_page(request, *, status: int = 200, **forms):
    user = request.user
    context = {
        "layout": _layout(request),
        "has_totp": user.has_totp,
        "recovery_codes_left": recovery_codes_left(user=user) if user.has_totp else 0,
        "disable_form": forms.get("disable_form") or TotpDisableForm(),
        "recovery_form": forms.get("recovery_form") or RecoveryCodesForm(),
        "password_form": forms.get("password_form") or PasswordChangeForm(user),
    }
    return render(request, "accounts/security.html", context, status=status)


@login_required
@never_cache
@require_http_methods(["GET"])
def security(request):
    return _security_page(request)


def _security_ratelimit(request, form) -> bool:
    """True when the person is over the limit (the form then carries the message)."""
    try:
        ratelimit_hit(
            f"security:user:{request.user.pk}",
            limit=SECURITY_LIMIT_PER_USER[0],
            window_seconds=SECURITY_LIMIT_PER_USER[1],
        )
    except RateLimited as exc:
        form.add_error(None, exc.message)
        return True
    return False


def _qr_svg(uri: str) -> str:
    # segno writes the SVG here, in the process: no image service ever sees the secret.
    svg = segno.make(uri, error="m").svg_inline(scale=5, svgclass="qr", lineclass=None)
    return mark_safe(svg)  # our own generated markup; nothing typed by anyone is in it


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def totp_enable(request):
    user = request.user
    if user.has_totp:
        return redirect("accounts:security")
    secret = request.session.get(TOTP_SETUP_KEY)
    if not secret:
        secret = services.totp_secret_new()
        request.session[TOTP_SETUP_KEY] = secret
    form = TotpConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            if _security_ratelimit(request, form):
                status = 429
            else:
                try:
                    codes = services.totp_enable(
                        user=user, secret=secret, code=form.cleaned_data["code"]
                    )
                except ValidationFailed as exc:
                    form.add_error("code", exc.message)
                except Conflict:
                    return redirect("accounts:security")
                else:
                    del request.session[TOTP_SETUP_KEY]
                    # The person just proved they hold the second factor, in this session.
                    second_factor_mark(request, LoginMethod.TOTP)
                    messages.success(request, _("Two-factor authentication is on."))
                    return _recovery_codes_page(request, codes)
    uri = services.totp_provisioning_uri(user=user, secret=secret)
    context = {
        "layout": _layout(request),
        "form": form,
        "qr_svg": _qr_svg(uri),
        "secret": secret,
        "secret_grouped": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
    }
    return render(request, "accounts/totp_enable.html", context, status=status)


def _recovery_codes_page(request, codes: list[str]):
    # Rendered straight from the POST, never stored: this is the only time they are shown.
    return render(
        request,
        "accounts/recovery_codes.html",
        {"layout": _layout(request), "codes": codes},
    )


@sensitive_post_parameters("password", "code")
@login_required
@never_cache
@require_POST
def totp_disable(request):
    form = TotpDisableForm(request.POST)
    if not form.is_valid():
        return _security_page(request, status=400, disable_form=form)
    if _security_ratelimit(request, form):
        return _security_page(request, status=429, disable_form=form)
    try:
        services.totp_disable(
            user=request.user,
            password=form.cleaned_data["password"],
            code=form.cleaned_data["code"],
        )
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("accounts:security")
    except ValidationFailed as exc:
        field = "password" if exc.code == AccountsErrorCode.WRONG_PASSWORD else "code"
        form.add_error(field, exc.message)
        return _security_page(request, status=400, disable_form=form)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:security")


@sensitive_post_parameters("code")
@login_required
@never_cache
@require_POST
def recovery_codes_regenerate(request):
    form = RecoveryCodesForm(request.POST)
    if not form.is_valid():
        return _security_page(request, status=400, recovery_form=form)
    if _security_ratelimit(request, form):
        return _security_page(request, status=429, recovery_form=form)
    try:
        codes = services.recovery_codes_regenerate(
            user=request.user, code=form.cleaned_data["code"]
        )
    except Conflict:
        return redirect("accounts:security")
    except ValidationFailed as exc:
        form.add_error("code", exc.message)
        return _security_page(request, status=400, recovery_form=form)
    return _recovery_codes_page(request, codes)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@never_cache
@require_POST
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST)
    if _security_ratelimit(request, form):
        return _security_page(request, status=429, password_form=form)
    if not form.is_valid():
        return _security_page(request, status=400, password_form=form)
    services.password_change(user=request.user, new_password=form.cleaned_data["new_password1"])
    update_session_auth_hash(request, request.user)
    messages.success(request, _("Your password has been changed."))
    return redirect("accounts:security")

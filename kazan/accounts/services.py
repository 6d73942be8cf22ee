"""Write use-cases of accounts: accounts, sign-in records, passwords and two-factor (TOTP).

These act on a person, not on a business, so their activity rows carry business=None.
"""

import re
import secrets

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.emails import email_index, email_normalize
from kazan.accounts.error_codes import AccountsErrorCode
from kazan.accounts.models import RecoveryCode, User
from kazan.activity.services import activity_record
from kazan.core.crypto import blind_index
from kazan.core.errors import Conflict, ValidationFailed
from kazan.core.mail import email_text_queue

TOTP_ISSUER = "Kazan"
# One step before and after the current one: phones whose clock is up to 30 s off still work.
TOTP_VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: the codes are read off paper. 10 of 31 symbols ≈ 49 bits, keyed-hashed.
RECOVERY_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
RECOVERY_CODE_LENGTH = 10
_TOTP_CODE = re.compile(r"^\d{6}$")


class LoginMethod:
    PASSWORD = "password"  # noqa: S105 (a method name, not a secret)
    TOTP = "totp"
    RECOVERY_CODE = "recovery_code"
    INVITATION = "invitation"


# --- accounts ---------------------------------------------------------------------------------


def password_errors(password: str, *, user: User | None = None) -> list[str]:
    """The messages of the configured password validators (empty when the password is fine)."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        return list(exc.messages)
    return []


def user_create(*, email: str, password: str, name: str = "", language: str = "en") -> User:
    """A new person with a usable password; the email must not be registered yet."""
    email = email_normalize(email or "")
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationFailed(
            _("Enter a valid email address."), code=AccountsErrorCode.INVALID_EMAIL
        ) from None
    name = (name or "").strip()[:150]
    errors = password_errors(password, user=User(email=email, name=name))
    if errors:
        raise ValidationFailed(" ".join(errors), code=AccountsErrorCode.WEAK_PASSWORD)
    with transaction.atomic():
        if User.objects.filter(email_index=email_index(email)).exists():
            raise Conflict(
                _("An account with this email address exists already. Please sign in."),
                code=AccountsErrorCode.EMAIL_TAKEN,
            )
        user = User.objects.create_user(email, password, name=name, language=language)
        activity_record(business=None, actor=user, action="user.created", target=user)
    return user


def password_change(*, user: User, new_password: str) -> None:
    """Sets a new password the caller has validated (old password and validators checked).

    Other sessions of the user end, because their session hash no longer matches.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        activity_record(business=None, actor=user, action="user.password_changed", target=user)


def password_reset_request(*, email: str) -> None:
    """Someone asked for a "forgot password" link for `email`. When an active account has that
    address the link is emailed by a background task; otherwise nothing happens. The caller shows
    the same answer either way, and the task keeps the mail server's delay out of the response,
    so neither tells whether the address has an account."""
    user = User.objects.filter(email_index=email_index(email or ""), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    from kazan.accounts.tasks import password_reset_email_send

    with transaction.atomic():
        # Who asked is not known (anyone can type an address): the account is the target only.
        activity_record(
            business=None,
            actor=None,
            action="user.password_reset_requested",
            target=user,
            actor_kind="anonymous",
        )
        transaction.on_commit(lambda: password_reset_email_send.enqueue(user_id=user.pk))


def password_reset_url(user: User) -> str:
    """A signed link that expires after settings.PASSWORD_RESET_TIMEOUT and works once: its
    hash covers the password hash and the last sign-in, which the reset (or a sign-in) changes."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.PUBLIC_URL + reverse(
        "accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}
    )


def password_reset_email_send(*, user_id: int) -> None:
    """Queues the email with the link, in the person's language (the mail task sends it and
    retries a failing server). Nothing but the link: never a password."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return
    context = {
        "name": user.name,
        "reset_url": password_reset_url(user),
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = gettext("Reset your Kazan password")
        body = render_to_string("accounts/email/password_reset.txt", context)
    email_text_queue(subject, body, [user.email])


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The active account a reset link names, if its token is valid, unused and not expired."""
    try:
        user_id = int(urlsafe_base64_decode(uidb64 or "").decode())
    except (TypeError, ValueError, OverflowError, UnicodeDecodeError):
        return None
    if not 0 < user_id < 2**63:  # beyond any primary key (and the database's integer)
        return None
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, token or ""):
        return None
    return user


def password_reset_complete(*, user: User, new_password: str) -> None:
    """Sets the new password chosen through a reset link (the caller validated it).

    Every session of the person ends (their session hash no longer matches) and the link stops
    working; two-factor is untouched, so the next sign-in still asks for the code.
    """
    with transaction.atomic():
        user.set_password(new_password)
        user.save(update_fields=["password"])
        activity_record(business=None, actor=user, action="user.password_reset", target=user)


# --- sign-in records --------------------------------------------------------------------------


def login_record_success(*, user: User, method: str) -> None:
    activity_record(
        business=None, actor=user, action="user.login", target=user, data={"method": method}
    )


def login_record_failure(*, user: User | None, reason: str) -> None:
    """`user` is the account the typed email belongs to, if any; no email is ever stored."""
    activity_record(
        business=None,
        actor=user,
        action="user.login_failed",
        target=user,
        data={"reason": reason},
        actor_kind=None if user is not None else "anonymous",
    )


# --- two-factor -------------------------------------------------------------------------------


def totp_secret_new() -> str:
    return pyotp.random_base32()


def totp_provisioning_uri(*, user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=TOTP_ISSUER)


def _totp_step_matching(secret: str, code: str) -> int | None:
    code = (code or "").replace(" ", "")
    if not secret or not _TOTP_CODE.match(code):
        return None
    try:
        return pyotp.TOTP(secret).verify_and_get_timecode(code, valid_window=TOTP_VALID_WINDOW)
    except pyotp.exceptions.OTPVerificationError:
        return None


def _totp_step_claim(user: User, step: int) -> bool:
    """Records `step` as used, atomically: False if this step or a later one was used before,
    so a code seen over someone's shoulder (or replayed) cannot sign in a second time."""
    claimed = (
        User.objects.filter(pk=user.pk)
        .filter(Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step))
        .update(totp_last_step=step)
    )
    if claimed:
        user.totp_last_step = step
    return bool(claimed)


def recovery_code_normalize(code: str) -> str:
    return re.sub(r"[\s-]", "", (code or "").lower())


def recovery_code_hash(*, user_id: int, code: str) -> str:
    """A keyed hash (HMAC with a key derived from KAZAN_PII_KEY): the database alone does not
    let anyone test guesses offline."""
    return blind_index(recovery_code_normalize(code), scope=f"user.recovery_code:{user_id}")


def _recovery_code_new() -> str:
    raw = "".join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
    half = RECOVERY_CODE_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def _recovery_codes_replace(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes: list[str] = []
    while len(codes) < RECOVERY_CODE_COUNT:
        code = _recovery_code_new()
        if code not in codes:
            codes.append(code)
    RecoveryCode.objects.bulk_create(
        RecoveryCode(user=user, code_hash=recovery_code_hash(user_id=user.pk, code=code))
        for code in codes
    )
    return codes


def second_factor_verify(*, user: User, code: str) -> str | None:
    """Checks a 6-digit TOTP code or a recovery code and consumes it (single use either way).

    Returns LoginMethod.TOTP or LoginMethod.RECOVERY_CODE, or None when the code is wrong,
    reused, or the user has no two-factor. Both consumptions are conditional UPDATEs, so two
    requests racing with the same code cannot both succeed.
    """
    if not user.has_totp or not code:
        return None
    compact = code.strip().replace(" ", "")
    if _TOTP_CODE.match(compact):
        step = _totp_step_matching(user.totp_secret, compact)
        if step is not None and _totp_step_claim(user, step):
            return LoginMethod.TOTP
        return None
    if len(recovery_code_normalize(code)) != RECOVERY_CODE_LENGTH:
        return None
    used = RecoveryCode.objects.filter(
        user=user,
        code_hash=recovery_code_hash(user_id=user.pk, code=code),
        used_at__isnull=True,
    ).update(used_at=timezone.now())
    return LoginMethod.RECOVERY_CODE if used else None


def _wrong_code() -> ValidationFailed:
    return ValidationFailed(
        _("This code is not right. Check that your phone's clock is correct and try again."),
        code=AccountsErrorCode.WRONG_CODE,
    )


def totp_enable(*, user: User, secret: str, code: str) -> list[str]:
    """Turns two-factor on once the user proves their app produces codes for `secret`.

    Returns the recovery codes in plain text: the only time they exist outside the user's hands.
    """
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.has_totp:
            raise Conflict(
                _("Two-factor authentication is already on."), code=AccountsErrorCode.TOTP_ON
            )
        step = _totp_step_matching(secret, code)
        if step is None:
            raise _wrong_code()
        locked.totp_secret = secret
        locked.totp_enabled_at = timezone.now()
        locked.totp_last_step = step
        locked.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
        codes = _recovery_codes_replace(locked)
        activity_record(business=None, actor=locked, action="user.2fa_enabled", target=locked)
    user.totp_secret, user.totp_enabled_at = locked.totp_secret, locked.totp_enabled_at
    user.totp_last_step = locked.totp_last_step
    return codes


def totp_disable(*, user: User, password: str, code: str) -> None:
    """Turns two-factor off; needs both the password and a current (or recovery) code. Never for
    platform staff, for whom it is mandatory."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.has_totp:
            raise Conflict(
                _("Two-factor authentication is not on."), code=AccountsErrorCode.TOTP_OFF
            )
        if locked.is_staff:
            raise Conflict(
                _("Platform staff must keep two-factor authentication on."),
                code=AccountsErrorCode.TOTP_REQUIRED,
            )
        if not locked.check_password(password):
            raise ValidationFailed(
                _("The password is wrong."), code=AccountsErrorCode.WRONG_PASSWORD
            )
        if second_factor_verify(user=locked, code=code) is None:
            raise _wrong_code()
        locked.totp_secret = ""
        locked.totp_enabled_at = None
        locked.totp_last_step = None
        locked.save(update_fields=["totp_secret", "totp_enabled_at", "totp_last_step"])
        RecoveryCode.objects.filter(user=locked).delete()
        activity_record(business=None, actor=locked, action="user.2fa_disabled", target=locked)
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = "", None, None


def recovery_codes_regenerate(*, user: User, code: str) -> list[str]:
    """Replaces all recovery codes (the old ones stop working); needs a current code."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if not locked.has_totp:
            raise Conflict(
                _("Two-factor authentication is not on."), code=AccountsErrorCode.TOTP_OFF
            )
        if second_factor_verify(user=locked, code=code) is None:
            raise _wrong_code()
        codes = _recovery_codes_replace(locked)
        activity_record(
            business=None, actor=locked, action="user.recovery_codes_regenerated", target=locked
        )
    return codes

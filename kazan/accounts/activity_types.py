"""How the accounts app's activity reads for people (see kazan.activity.registry)."""

from django.utils.translation import gettext_lazy as t

from kazan.accounts.models import User
from kazan.activity.registry import Detail, activity_target, activity_type, choice

METHODS = {
    "password": t("password"),
    "totp": t("password and authenticator code"),
    "recovery_code": t("password and recovery code"),
    "invitation": t("invitation link"),
}
FAILURES = {
    "unknown_email": t("no account has this email"),
    "inactive": t("the account is deactivated"),
    "wrong_password": t("wrong password"),
    "wrong_code": t("wrong two-factor code"),
}


@activity_target("accounts.user")
def _users(ids, viewer):
    return {user.pk: str(user) for user in User.objects.filter(pk__in=ids).only("pk", "name")}


activity_type(
    "user.created", label=t("Account created"), sentence=t("%(actor)s created an account")
)
activity_type(
    "user.password_changed",
    label=t("Password changed"),
    sentence=t("%(actor)s changed their password"),
)
activity_type(
    "user.login",
    label=t("Signed in"),
    sentence=t("%(actor)s signed in with %(method)s"),
    details={"method": Detail(t("Method"), choice(METHODS.items()))},
)
activity_type(
    "user.login_failed",
    label=t("Sign-in failed"),
    sentence=t("A sign-in as %(target)s failed: %(reason)s"),
    details={"reason": Detail(t("Reason"), choice(FAILURES.items()))},
)
activity_type(
    "user.2fa_enabled",
    label=t("Two-factor authentication on"),
    sentence=t("%(actor)s turned on two-factor authentication"),
)
activity_type(
    "user.2fa_disabled",
    label=t("Two-factor authentication off"),
    sentence=t("%(actor)s turned off two-factor authentication"),
)
activity_type(
    "user.recovery_codes_regenerated",
    label=t("New recovery codes"),
    sentence=t("%(actor)s made new recovery codes (the old ones stopped working)"),
)
activity_type(
    "user.password_reset_requested",
    label=t("Password reset asked for"),
    sentence=t("Someone asked for a password reset link for %(target)s"),
)
activity_type(
    "user.password_reset",
    label=t("Password reset"),
    sentence=t("%(actor)s chose a new password with a reset link"),
)

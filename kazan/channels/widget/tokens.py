"""Signed tokens of the widget, salted with the business so one business's token means nothing
to another: the visitor's chat session (the frame keeps it in memory only; nothing is stored in
the browser) and the dashboard preview's permission to run on Kazan's own origin."""

from typing import TYPE_CHECKING

from django.core import signing

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

SESSION_SALT = "kazan.widget.session"
# A chat left open in a tab for a day is still resumed; older tokens start a new chat.
SESSION_MAX_AGE = 24 * 3600
PREVIEW_SALT = "kazan.widget.preview"
PREVIEW_MAX_AGE = 3600
TOKEN_MAX = 300


def _salt(prefix: str, business: "Business") -> str:
    return f"{prefix}:{business.pk}:{business.client_id}"


def session_sign(business: "Business", key: str) -> str:
    return signing.dumps(key, salt=_salt(SESSION_SALT, business))


def session_read(business: "Business", token: str) -> str | None:
    """The handle inside a session token of this business; None when forged, another
    business's (or an older client id's), or expired."""
    if not token or len(token) > TOKEN_MAX:
        return None
    try:
        key = signing.loads(token, salt=_salt(SESSION_SALT, business), max_age=SESSION_MAX_AGE)
    except signing.BadSignature:
        return None
    return key if isinstance(key, str) else None


def preview_sign(business: "Business") -> str:
    return signing.dumps(business.pk, salt=_salt(PREVIEW_SALT, business))


def preview_valid(business: "Business", token: str) -> bool:
    if not token or len(token) > TOKEN_MAX:
        return False
    try:
        value = signing.loads(token, salt=_salt(PREVIEW_SALT, business), max_age=PREVIEW_MAX_AGE)
    except signing.BadSignature:
        return False
    return bool(value == business.pk)

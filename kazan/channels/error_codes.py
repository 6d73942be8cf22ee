"""The channels app's stable error codes: what the web chat's script and API clients match on,
and the codes our own provider adapters give a failed send (a provider's codes pass through)."""

from kazan.core.errors import ErrorCode


class ChannelsErrorCode(ErrorCode):
    NOT_INSTALLABLE = "not_installable"
    # The provider refused the credentials while connecting (Telegram: getMe/setWebhook).
    PROVIDER_REFUSED = "provider_refused"
    # A team member's Telegram link that is unknown, used or expired (telegram/members.py).
    MEMBER_LINK_INVALID = "member_link_invalid"
    # The web chat's JSON answers (web/views.py, web/live.py), besides the core codes.
    UNAVAILABLE = "unavailable"
    # The website widget (channels/widget/).
    WIDGET_INVALID = "widget_invalid"
    WIDGET_DISABLED = "widget_disabled"
    SESSION_INVALID = "session_invalid"
    # A send the Twilio adapter could not complete (providers/twilio/provider.py).
    NO_SID = "no_sid"
    NETWORK = "network"

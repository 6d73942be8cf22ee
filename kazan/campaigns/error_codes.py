"""The stable codes of campaigns' errors: API clients and the pages match on them."""

from kazan.core.errors import ErrorCode


class CampaignsErrorCode(ErrorCode):
    INVALID_AUDIENCE = "invalid_audience"
    INVALID_BODY = "invalid_body"
    INVALID_CHANNEL = "invalid_channel"
    INVALID_KIND = "invalid_kind"
    INVALID_NAME = "invalid_name"
    INVALID_PHONE = "invalid_phone"
    INVALID_RULE = "invalid_rule"
    INVALID_TIME = "invalid_time"
    INVALID_TITLE = "invalid_title"
    INVALID_VOUCHER = "invalid_voucher"
    NO_RECIPIENTS = "no_recipients"
    NOT_EDITABLE = "not_editable"
    NOT_STOPPED = "not_stopped"
    NO_TEAM_CHATS = "no_team_chats"

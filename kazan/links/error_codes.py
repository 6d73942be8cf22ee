"""The stable codes of the secure links' errors."""

from kazan.core.errors import ErrorCode


class LinksErrorCode(ErrorCode):
    LINK_INVALID = "link_invalid"
    LINK_EXPIRED = "link_expired"
    LINK_USED = "link_used"
    PURPOSE_UNKNOWN = "link_purpose_unknown"

"""The stable codes of analytics' errors (exports): API clients and pages match on them."""

from kazan.core.errors import ErrorCode


class AnalyticsErrorCode(ErrorCode):
    INVALID_EXPORT = "invalid_export"
    INVALID_DATE = "invalid_date"
    INVALID_FILTER = "invalid_filter"
    INVALID_CAMPAIGN = "invalid_campaign"
    INVALID_TAG = "invalid_tag"
    INVALID_KIND = "invalid_kind"
    INVALID_FORMAT = "invalid_format"
    INVALID_BUSINESS = "invalid_business"
    TOO_MANY_ROWS = "too_many_rows"
    # client events (POST /api/v1/events)
    BUSINESS_UNAVAILABLE = "business_unavailable"

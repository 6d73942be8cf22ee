"""Events a client reports itself (POST /api/v1/events): the widget in a visitor's browser says
the visitor followed a link out of Kazan (to WhatsApp, a third-party form, a web page). Only
those kinds are accepted (CLIENT_EVENT_KINDS); everything Kazan sees itself is counted by the
code that sees it. Anyone may call this with a business's public id, so each caller (IP address)
and each business is rate-limited, and a suspended business counts nothing.

No activity is recorded: these are anonymous counters (no person, no personal data), like the
landing page's visits."""

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from kazan.analytics.enums import CLIENT_EVENT_KINDS
from kazan.analytics.error_codes import AnalyticsErrorCode
from kazan.analytics.services.buffer import event_count
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.core.ratelimit import ratelimit_hit

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

# (hits, seconds): a visitor follows a handful of links; a whole website's visitors many more.
CLIENT_EVENTS_PER_IP = (60, 600)
CLIENT_EVENTS_PER_BUSINESS = (3000, 3600)


def client_event_report(*, business: "Business", kind: str, ip: str) -> None:
    """Counts one client-reported event of `kind` for `business` (the one the public id named).
    Raises ValidationFailed for a kind a client may not report, RateLimited past the limits,
    PermissionDenied for a suspended business."""
    if kind not in CLIENT_EVENT_KINDS:
        raise ValidationFailed(
            _("A client may report only redirects to WhatsApp, a form or a link."),
            code=AnalyticsErrorCode.INVALID_KIND,
        )
    # The caller's limit first, so one caller cannot use up the business's.
    ratelimit_hit(
        f"events:ip:{ip}", limit=CLIENT_EVENTS_PER_IP[0], window_seconds=CLIENT_EVENTS_PER_IP[1]
    )
    if not business.is_active:
        raise PermissionDenied(
            _("This business is currently unavailable."),
            code=AnalyticsErrorCode.BUSINESS_UNAVAILABLE,
        )
    ratelimit_hit(
        f"events:business:{business.pk}",
        limit=CLIENT_EVENTS_PER_BUSINESS[0],
        window_seconds=CLIENT_EVENTS_PER_BUSINESS[1],
    )
    event_count(business=business, kind=kind)

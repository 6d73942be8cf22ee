"""The customer-service window of channels that have one (WhatsApp: 24 hours after the
customer's own last message). Inside it any reply may be sent; outside it only pre-approved
templates. message_send applies the rule before anything is queued, so a free-form message
outside the window is refused with a clear reason and never reaches the provider."""

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import PermissionDenied
from kazan.customers.queries import service_window_open
from kazan.messaging.error_codes import MessagingErrorCode
from kazan.messaging.transports import Capabilities

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def replies_for_window(
    *,
    business: "Business",
    channel: str,
    handle: str,
    capabilities: Capabilities,
    replies: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """The replies that may go out now. Inside the window: template replies are dropped when
    there are others (the free-form text says the same). Outside it: only the templates;
    none → PermissionDenied(WINDOW_CLOSED)."""
    hours = capabilities.service_window_hours
    templates = [reply for reply in replies if reply.get("type") == "template"]
    others = [reply for reply in replies if reply.get("type") != "template"]
    if hours is None:
        return others or replies
    if service_window_open(business=business, channel=channel, handle=handle, hours=hours):
        return others or templates
    if not templates:
        raise PermissionDenied(
            _(
                "The customer last wrote more than %(hours)d hours ago: only a pre-approved "
                "template message may be sent until they write again."
            )
            % {"hours": hours},
            code=MessagingErrorCode.WINDOW_CLOSED,
        )
    return templates

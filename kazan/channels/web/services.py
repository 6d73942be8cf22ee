"""Landing-page writes: counting visits, scans and link clicks (analytics events, no personal
data). The chat itself goes through conversations.services."""

from typing import TYPE_CHECKING

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count, event_record
from kazan.core.db import atomic_relaxed

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

# Where a counted redirect may lead, and the business field holding the address.
LINK_TARGETS = {
    "google": "google_review_url",
    "website": "website_url",
    "instagram": "instagram_url",
    "facebook": "facebook_url",
    "tiktok": "tiktok_url",
}


def landing_visit_record(*, business: "Business", from_qr: bool) -> None:
    """One visit: a QR scan when the page was opened from the printed code, else a page view.
    A counter only: buffered in Redis and written in batches when Redis is configured, else
    written at once without waiting for the disk (analytics.services.buffer)."""
    event_count(business=business, kind=EventKind.QR_SCAN if from_qr else EventKind.PAGE_VIEW)


def landing_link_click(
    *, business: "Business", target: str, customer: "Customer | None" = None
) -> str | None:
    """Counts a click on one of the business's links and returns where it leads (None when the
    business has not set that link). The Google review link counts as GOOGLE_REVIEW_CLICK, the
    others as SOCIAL_CLICK with the network's name."""
    attribute = LINK_TARGETS.get(target)
    url: str = getattr(business, attribute, "") if attribute else ""
    if not url:
        return None
    with atomic_relaxed():
        if target == "google":
            event_record(business=business, kind=EventKind.GOOGLE_REVIEW_CLICK, customer=customer)
        else:
            event_record(
                business=business,
                kind=EventKind.SOCIAL_CLICK,
                customer=customer,
                data={"network": target},
            )
    return url

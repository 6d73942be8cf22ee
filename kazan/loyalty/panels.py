"""Context of the loyalty panels on the customer detail page (see customers.panels)."""

from django.utils import timezone

from kazan.analytics.enums import EventKind
from kazan.analytics.queries import customer_event_count
from kazan.loyalty.queries import reviews_for_customer, voucher_state, vouchers_for_customer


def reviews_panel_context(request, customer) -> dict:
    business = request.business
    return {
        "reviews": reviews_for_customer(business=business, customer=customer),
        # Whether they opened the Google review link: all we can know of a public review.
        "google_link_opened": customer_event_count(
            business=business, customer=customer, kind=EventKind.GOOGLE_REVIEW_CLICK
        ),
    }


def vouchers_panel_context(request, customer) -> dict:
    now = timezone.now()
    vouchers = list(vouchers_for_customer(business=request.business, customer=customer)[:50])
    return {"vouchers": [(voucher, voucher_state(voucher, now)) for voucher in vouchers]}

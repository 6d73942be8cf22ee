import datetime as dt
import zoneinfo

from django.utils import timezone

from kazan.activity.queries import activity_list
from kazan.customers.models import Customer
from kazan.loyalty.queries import review_stats
from kazan.messaging.queries import sms_balance, sms_usage


def month_start(*, business) -> dt.datetime:
    """Midnight of the 1st of this month in the business's time zone."""
    local_now = timezone.localtime(timezone=zoneinfo.ZoneInfo(business.timezone))
    return local_now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def overview(*, business) -> dict:
    """The numbers on the dashboard's first page: a fixed, small number of queries."""
    this_month = month_start(business=business)
    return {
        "customers": Customer.objects.filter(business=business, erased_at__isnull=True).count(),
        "sms_remaining": sms_balance(business=business),
        "sms_month": sms_usage(business=business, since=this_month),
        "sms_total": sms_usage(business=business),
        "reviews": review_stats(business=business),
        "recent_activity": list(activity_list(business=business)[:8]),
    }

"""The monthly allowance: granted once per business and month, whatever how often the task runs."""

from datetime import UTC, datetime

import pytest

from kazan.billing import services, tasks
from kazan.billing.models import Subscription
from kazan.messaging.models import Kind, SmsCreditEntry
from kazan.messaging.queries import sms_balance
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db

MAY = datetime(2026, 5, 3, 9, 0, tzinfo=UTC)
MAY_LATER = datetime(2026, 5, 28, 23, 0, tzinfo=UTC)
JUNE = datetime(2026, 6, 1, 0, 5, tzinfo=UTC)


def _grants(business) -> list[tuple[int, str]]:
    entries = SmsCreditEntry.objects.filter(business=business, kind=Kind.GRANT).order_by("id")
    return [(e.amount, e.reference) for e in entries]


def test_each_business_gets_its_allowance_once_a_month(business, other_business, packages):
    assert services.allowance_grant_monthly(now=MAY) == 2
    assert services.allowance_grant_monthly(now=MAY) == 0
    assert services.allowance_grant_monthly(now=MAY_LATER) == 0

    assert _grants(business) == [(200, "allowance:2026-05")]
    assert sms_balance(business=other_business) == 200

    assert services.allowance_grant_monthly(now=JUNE) == 2
    assert _grants(business) == [(200, "allowance:2026-05"), (200, "allowance:2026-06")]
    subscription = Subscription.objects.get(business=business)
    assert subscription.current_period_start == datetime(2026, 6, 1, tzinfo=UTC)
    assert subscription.allowance_granted_for == "2026-06"


def test_the_grant_is_backed_by_the_ledger_reference(business, packages):
    """Even if the subscription's marker were lost, the ledger reference stops a second grant."""
    services.allowance_grant(business=business, now=MAY)
    Subscription.objects.filter(business=business).update(allowance_granted_for="")

    assert services.allowance_grant(business=business, now=MAY) is True  # claims the month again
    assert _grants(business) == [(200, "allowance:2026-05")]
    assert sms_balance(business=business) == 200


def test_the_allowance_is_the_subscriptions_own(business, packages):
    """Staff may give one business its own allowance: it is used, not the catalog's."""
    services.subscription_for(business)
    Subscription.objects.filter(business=business).update(sms_allowance=350)

    services.allowance_grant_monthly(now=MAY)

    assert _grants(business) == [(350, "allowance:2026-05")]


def test_a_changed_allowance_mid_month_is_not_granted_twice(business, packages):
    services.allowance_grant(business=business, now=MAY)
    Subscription.objects.filter(business=business).update(
        sms_allowance=999, allowance_granted_for=""
    )

    services.allowance_grant(business=business, now=MAY_LATER)

    assert _grants(business) == [(200, "allowance:2026-05")]


def test_suspended_businesses_get_nothing(business, packages):
    Business.objects.filter(pk=business.pk).update(status=Business.Status.SUSPENDED)
    services.allowance_grant_monthly(now=MAY)
    assert sms_balance(business=business) == 0


def test_the_task_is_scheduled_and_runs(business, packages):
    assert tasks.allowance_grant_monthly.call() == 1
    assert tasks.allowance_grant_monthly.call() == 0
    assert sms_balance(business=business) == 200

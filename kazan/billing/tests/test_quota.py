"""Quota status and warnings: 80 %, 95 % and empty, on the page and by email once per period."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kazan.billing import queries, services
from kazan.billing.models import QuotaNotice, Subscription
from kazan.billing.tests.factories import credits_use
from kazan.messaging.testing import tasks_run_all
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("granted", "used", "percent", "warning"),
    [
        (100, 0, 0, None),
        (100, 79, 79, None),
        (100, 80, 80, 80),
        (100, 94, 94, 80),
        (100, 95, 95, 95),
        (100, 99, 99, 95),
        (100, 100, 100, "empty"),
        (0, 0, 0, "empty"),
    ],
)
def test_quota_status_levels(business, packages, granted, used, percent, warning):
    credits_use(business=business, granted=granted, used=used)

    status = queries.quota_status(business=business)

    assert (status.percent_used, status.warning) == (percent, warning)
    assert status.used == used
    assert status.remaining == granted - used
    assert (status.package_name, status.allowance, status.price_minor) == ("Starter", 200, 900)
    assert status.price_display == "€9.00"


def test_quota_status_counts_only_the_current_period(business, packages):
    credits_use(business=business, granted=100, used=50)
    Subscription.objects.filter(business=business).update(
        current_period_start=timezone.now() + timedelta(seconds=1)
    )
    status = queries.quota_status(business=business)
    assert (status.used, status.remaining, status.warning) == (0, 50, None)


def test_quota_status_is_a_read_without_a_subscription(business, packages):
    status = queries.quota_status(business=business)
    assert status.package_key == "starter"
    assert not Subscription.objects.filter(business=business).exists()


def test_quota_warning_is_none_below_80(business, packages):
    credits_use(business=business, granted=100, used=10)
    assert queries.quota_warning(business=business) is None


def test_owners_are_emailed_once_per_level_and_period(
    business, owner, packages, mailoutbox, django_capture_on_commit_callbacks
):
    MembershipFactory(business=business, role=Role.AGENT)  # agents are not emailed
    credits_use(business=business, granted=100, used=80)

    with django_capture_on_commit_callbacks(execute=True):
        assert services.quota_notify(business=business) == 80
        assert services.quota_notify(business=business) is None
    tasks_run_all(sweep=False)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [owner.email]
    assert "80%" in mailoutbox[0].subject
    assert "/dashboard/billing/" in mailoutbox[0].body

    credits_use(business=business, granted=0, used=15)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.quota_notify_all() == 1
        assert services.quota_notify_all() == 0
    tasks_run_all(sweep=False)
    assert len(mailoutbox) == 2
    assert "95%" in mailoutbox[1].subject


def test_jumping_past_95_sends_only_the_95_email(
    business, owner, packages, mailoutbox, django_capture_on_commit_callbacks
):
    credits_use(business=business, granted=20, used=20)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.quota_notify(business=business) == 95
        assert services.quota_notify(business=business) is None
    tasks_run_all(sweep=False)
    assert len(mailoutbox) == 1
    assert set(QuotaNotice.objects.values_list("level", flat=True)) == {80, 95}


def test_a_new_period_warns_again(
    business, owner, packages, mailoutbox, django_capture_on_commit_callbacks
):
    credits_use(business=business, granted=10, used=9)
    with django_capture_on_commit_callbacks(execute=True):
        services.quota_notify(business=business)
    later = timezone.now() + timedelta(seconds=1)
    Subscription.objects.filter(business=business).update(current_period_start=later)
    credits_use(business=business, granted=0, used=0)
    # Nothing used in the new period yet: no warning.
    assert services.quota_notify(business=business) is None
    tasks_run_all(sweep=False)
    assert len(mailoutbox) == 1

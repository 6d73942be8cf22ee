"""Many connects and invitations at once at the plan's limit, on PostgreSQL: the locked plan
subscription queues them, so a business never ends up with one channel or seat too many."""

import pytest

from kazan.billing.testing import limit_outcomes, limits_give
from kazan.channels.models import ChannelInstallation
from kazan.channels.services import installation_connect
from kazan.channels.tests.factories import connect_fields
from kazan.core.entitlements import Limit, usage_count
from kazan.core.testing import run_in_threads_numbered
from kazan.tenancy.models import Role
from kazan.tenancy.services import invitation_create

WORKERS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_connects_at_the_channel_limit_keep_one(business, owner):
    limits_give(business, channels=1)
    results = run_in_threads_numbered(
        WORKERS,
        lambda n: installation_connect(
            business=business,
            actor=owner,
            provider="twilio",
            fields=connect_fields(from_number=f"+1501712267{n}"),
        ),
    )
    assert limit_outcomes(results) == (1, WORKERS - 1)
    active = ChannelInstallation.objects.filter(
        business=business, status=ChannelInstallation.Status.ACTIVE
    )
    assert active.count() == 1
    assert usage_count(business=business, key=Limit.CHANNELS) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_invitations_at_the_team_limit_never_overshoot(business, owner):
    limits_give(business, team_members=3)  # the owner and two more
    results = run_in_threads_numbered(
        WORKERS,
        lambda n: invitation_create(
            business=business, email=f"person{n}@example.com", role=Role.AGENT, actor=owner
        ),
    )
    assert limit_outcomes(results) == (2, WORKERS - 2)
    assert usage_count(business=business, key=Limit.TEAM_MEMBERS) == 3

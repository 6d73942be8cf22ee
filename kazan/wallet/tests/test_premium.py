"""Premium periods: bought with tokens (nothing written when short), granted by the team,
renewed from where the current period ends; the expiry reminder goes out once per period,
3 days before, and not when a renewal follows. The jobs are scheduled with crontask."""

import datetime as dt

import pytest
import time_machine
from apscheduler.triggers.cron import CronTrigger
from crontask import scheduler
from django.utils import timezone

from kazan.core.errors import ValidationFailed
from kazan.messaging.models import OutboundMessage
from kazan.wallet import queries, services, tasks
from kazan.wallet.errors import InsufficientTokens
from kazan.wallet.models import PremiumPeriod, TokenEntry
from kazan.wallet.testing import wallet_customer

pytestmark = pytest.mark.django_db


def test_premium_bought_with_tokens(business):
    customer = wallet_customer(business, tokens=600)
    assert not queries.premium_is_active(business=business, customer=customer)
    period = services.premium_buy_with_tokens(business=business, customer=customer)
    assert period.source == "tokens" and (period.expires_at - period.starts_at).days == 30
    assert queries.token_balance(business=business, customer=customer) == 100
    entry = TokenEntry.objects.get(kind="premium")
    assert entry.amount == -500 and entry.reference == f"premium:{period.pk}"
    assert queries.premium_is_active(business=business, customer=customer)
    assert queries.premium_until(business=business, customer=customer) == period.expires_at


def test_premium_short_of_tokens_writes_nothing(business):
    customer = wallet_customer(business, tokens=499)
    with pytest.raises(InsufficientTokens) as raised:
        services.premium_buy_with_tokens(business=business, customer=customer)
    assert raised.value.needed == 500
    assert not PremiumPeriod.objects.exists()
    assert queries.token_balance(business=business, customer=customer) == 499


def test_a_renewal_starts_where_the_current_period_ends(business, owner):
    customer = wallet_customer(business, tokens=1000)
    first = services.premium_buy_with_tokens(business=business, customer=customer)
    second = services.premium_buy_with_tokens(business=business, customer=customer)
    granted = services.premium_grant(business=business, customer=customer, days=7, actor=owner)
    assert second.starts_at == first.expires_at
    assert granted.starts_at == second.expires_at and granted.source == "admin"
    assert granted.created_by == owner
    assert queries.premium_until(business=business, customer=customer) == granted.expires_at


def test_after_a_lapse_a_new_period_starts_now(business, owner):
    customer = wallet_customer(business)
    old = services.premium_grant(business=business, customer=customer, days=1, actor=owner)
    with time_machine.travel(timezone.now() + dt.timedelta(days=5)):
        assert not queries.premium_is_active(business=business, customer=customer)
        assert queries.premium_until(business=business, customer=customer) is None
        fresh = services.premium_grant(business=business, customer=customer, days=3, actor=owner)
        assert fresh.starts_at > old.expires_at
        assert queries.premium_is_active(business=business, customer=customer)


@pytest.mark.parametrize("days", [0, -1, 367])
def test_a_grant_needs_a_sensible_number_of_days(business, owner, days):
    customer = wallet_customer(business)
    with pytest.raises(ValidationFailed):
        services.premium_grant(business=business, customer=customer, days=days, actor=owner)


def test_the_expiry_reminder_goes_out_once_three_days_before(
    business, owner, django_capture_on_commit_callbacks
):
    customer = wallet_customer(business)
    renewed = wallet_customer(business)
    period = services.premium_grant(business=business, customer=customer, days=10, actor=owner)
    services.premium_grant(business=business, customer=renewed, days=10, actor=owner)
    services.premium_grant(business=business, customer=renewed, days=30, actor=owner)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unscoped_premium_reminders_send() == 0  # 10 days left: too early
    later = period.expires_at - dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.unscoped_premium_reminders_send(now=later) == 1
        assert services.unscoped_premium_reminders_send(now=later) == 0
    reminder = OutboundMessage.objects.get()
    assert reminder.customer == customer and "premium subscription ends" in reminder.body


def test_the_jobs_are_scheduled():
    jobs = {job.name: job for job in scheduler.get_jobs()}
    assert isinstance(jobs["token_purchases_poll"].trigger, CronTrigger)
    assert jobs["token_purchases_poll"].func == tasks.token_purchases_poll.enqueue
    assert jobs["premium_expiry_remind"].func == tasks.premium_expiry_remind.enqueue

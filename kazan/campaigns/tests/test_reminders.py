"""Automatic reminders: who gets one (N days without SMS, under the cap, consenting), once a
day, only in the business's daytime, with the same credit rules as campaigns."""

import zoneinfo
from datetime import datetime, timedelta

import pytest
import time_machine

from kazan.campaigns import services, tasks
from kazan.campaigns.models import ReminderRule, ReminderSent
from kazan.core.errors import ValidationFailed
from kazan.customers.tests.factories import CustomerFactory, consent_given
from kazan.messaging.models import OutboundMessage, Purpose
from kazan.messaging.services import sms_send
from kazan.messaging.tests.factories import credits_given

pytestmark = pytest.mark.django_db

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 2, 11, 0, tzinfo=BERLIN)  # a Monday, 11:00 in Berlin


@pytest.fixture
def rule(business, owner):
    return services.reminder_rule_save(
        business=business,
        actor=owner,
        enabled=True,
        days_without_sms=30,
        template="We miss you, {name}! https://cafe.example",
        cap_per_customer=2,
    )


def _customer(business, name, *, consent=True, days_known=60):
    with time_machine.travel(START - timedelta(days=days_known), tick=False):
        customer = CustomerFactory(business=business, name=name)
        if consent:
            consent_given(customer)
    return customer


def _reminders(customer) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(
            customer=customer, idempotency_key__startswith="reminder:"
        ).order_by("created_at")
    )


def _run(at: datetime) -> int:
    with time_machine.travel(at, tick=False):
        return tasks.reminders_due.call()


def test_quiet_customers_get_one_reminder_a_day_and_others_none(business, rule):
    credits_given(business, 50)
    quiet = _customer(business, "Quiet")
    texted = _customer(business, "Texted")
    with time_machine.travel(START - timedelta(days=5), tick=False):
        sms_send(
            business=business,
            to=texted.phone_e164,
            body="Hi",
            purpose="transactional",
            customer=texted,
        )
    new = _customer(business, "New", days_known=3)
    refused = _customer(business, "Refused", consent=False)
    assert _run(START) == 1
    assert _run(START + timedelta(hours=2)) == 0  # the same day again: nothing
    [message] = _reminders(quiet)
    assert message.purpose == Purpose.MARKETING
    assert message.body.startswith("We miss you, Quiet! https://kz.example/l/")
    assert "/u/" in message.body.splitlines()[-1]
    assert _reminders(texted) == [] and _reminders(new) == [] and _reminders(refused) == []
    assert ReminderSent.objects.get().day == START.date()


def test_the_reminder_itself_restarts_the_n_days_and_the_cap_stops_them(business, rule):
    credits_given(business, 50)
    quiet = _customer(business, "Quiet")
    _run(START)
    _run(START + timedelta(days=10))  # only 10 days since the reminder
    assert len(_reminders(quiet)) == 1
    _run(START + timedelta(days=31))
    assert len(_reminders(quiet)) == 2
    _run(START + timedelta(days=62))  # cap 2 reached since the last visit
    assert len(_reminders(quiet)) == 2
    # A visit starts a new round.
    type(quiet).objects.filter(pk=quiet.pk).update(last_interaction_at=START + timedelta(days=63))
    _run(START + timedelta(days=95))
    assert len(_reminders(quiet)) == 3


def test_withdrawn_consent_gets_no_reminder(business, rule):
    credits_given(business, 50)
    quiet = _customer(business, "Quiet")
    consent_given(quiet, granted=False)
    assert _run(START) == 0


def test_reminders_wait_at_night_and_when_disabled(business, rule, owner):
    credits_given(business, 50)
    _customer(business, "Quiet")
    assert _run(START.replace(hour=3)) == 0
    services.reminder_rule_save(
        business=business,
        actor=owner,
        enabled=False,
        days_without_sms=30,
        template=rule.template,
        cap_per_customer=2,
    )
    assert _run(START) == 0


def test_not_enough_credits_for_all_of_today_sends_none(business, rule):
    credits_given(business, 1)
    _customer(business, "One")
    _customer(business, "Two")
    assert _run(START) == 0
    assert not ReminderSent.objects.exists()


def test_rule_validation(business, owner):
    with pytest.raises(ValidationFailed):
        services.reminder_rule_save(
            business=business,
            actor=owner,
            enabled=True,
            days_without_sms=0,
            template="Hi",
            cap_per_customer=1,
        )
    with pytest.raises(ValidationFailed):
        services.reminder_rule_save(
            business=business,
            actor=owner,
            enabled=True,
            days_without_sms=10,
            template="",
            cap_per_customer=1,
        )
    assert not ReminderRule.objects.exists()

"""Delivery from the outbox through the real Twilio SDK against the local fake Twilio: retries
with backoff, permanent failures with one refund, max attempts, a crash mid-call recovered with
the same idempotency token, the sweeper, the global send rate."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from kazan.activity.models import Activity
from kazan.channels.providers.console import CONSOLE
from kazan.messaging import outbox
from kazan.messaging.models import Kind, OutboundMessage, SmsCreditEntry, Status
from kazan.messaging.queries import sms_balance
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given
from kazan.messaging.transports import SmsRequest, registry, sms_provider, transport_register

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def twilio(twilio_settings, fake_twilio):
    twilio_settings.SMS_RATE_PER_SECOND = 0  # unlimited: these tests freeze the clock
    twilio_settings.OUTBOX_BACKOFF_BASE_SECONDS = 60
    twilio_settings.OUTBOX_BACKOFF_MAX_SECONDS = 3600
    return fake_twilio


def _send(business, **kwargs) -> OutboundMessage:
    return sms_send(
        business=business,
        to=kwargs.pop("to", PHONE),
        body=kwargs.pop("body", "Your table is ready."),
        purpose=kwargs.pop("purpose", "transactional"),
        **kwargs,
    )


def _refunds(message) -> int:
    return SmsCreditEntry.objects.filter(message=message, kind=Kind.REFUND).count()


def test_twilio_send_records_the_sid_and_sends_the_callback_url(business, twilio, settings):
    credits_given(business, 5)
    message = _send(business)
    tasks_run_all()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.provider == "twilio"
    assert message.provider_message_id in twilio.messages
    (request,) = twilio.sends()
    assert request.form["To"] == PHONE
    assert request.form["Body"] == "Your table is ready."
    assert request.form["StatusCallback"] == settings.PUBLIC_URL + "/hooks/twilio/status"
    assert request.idempotency_token == str(message.delivery_key)


def test_transient_failure_retries_with_backoff_then_succeeds(business, twilio):
    credits_given(business, 5)
    twilio.fail_next(status=503)
    with time_machine.travel(START, tick=False) as clock:
        # Given Twilio answers 503 to the first attempt
        message = _send(business)
        tasks_run_all()
        message.refresh_from_db()
        # Then the message waits for its retry, 30–60 s later (60 s base, half jitter)
        assert message.status == Status.QUEUED
        assert message.attempts == 1
        assert message.error_code == "20500"
        assert (
            START + timedelta(seconds=30)
            <= message.next_attempt_at
            <= START + timedelta(seconds=60)
        )
        # and nothing runs before that time
        assert tasks_run_all() == 0
        assert len(twilio.sends()) == 1
        # When the clock reaches the retry
        clock.move_to(message.next_attempt_at + timedelta(seconds=1))
        tasks_run_all()
    # Then the second attempt succeeds with the same idempotency token, charged once
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.error_code == ""
    first, second = twilio.sends()
    assert first.idempotency_token == second.idempotency_token == str(message.delivery_key)
    assert len(twilio.messages) == 1
    assert sms_balance(business=business) == 4
    assert _refunds(message) == 0


def test_backoff_grows_exponentially_and_is_capped(settings):
    settings.OUTBOX_BACKOFF_BASE_SECONDS = 10
    settings.OUTBOX_BACKOFF_MAX_SECONDS = 300
    for attempt, ceiling in [(1, 10), (2, 20), (3, 40), (5, 160), (6, 300), (20, 300)]:
        delays = [outbox.backoff_seconds(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len({round(outbox.backoff_seconds(4), 6) for _ in range(20)}) > 1  # jittered


def test_network_failure_is_transient(business, twilio):
    credits_given(business, 5)
    twilio.disconnect_next()
    message = _send(business)
    tasks_run_all()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.QUEUED, "network")


def test_permanent_failure_fails_and_refunds_exactly_once(business, twilio):
    # Given a recipient who replied STOP to the Twilio number
    credits_given(business, 5)
    twilio.unsubscribed.add(PHONE)
    message = _send(business)
    assert sms_balance(business=business) == 4
    tasks_run_all()
    # Then the message failed with Twilio's code and its credit came back
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.FAILED, "21610")
    assert message.failed_at is not None
    assert sms_balance(business=business) == 5
    assert _refunds(message) == 1
    activity = Activity.objects.get(action="sms.failed")
    assert activity.data["refunded"] == 1
    # And running it again (a duplicate task, the sweeper) changes nothing
    assert outbox.outbox_deliver_message(message_id=message.pk) == "skipped"
    tasks_run_all()
    assert _refunds(message) == 0 + 1
    assert sms_balance(business=business) == 5
    assert len(twilio.sends()) == 1


def test_provider_error_text_is_stored_without_the_number(business, twilio):
    credits_given(business, 5)
    twilio.fail_next(
        status=400, code=21211, message=f"The 'To' number {PHONE} is not a valid phone number."
    )
    message = _send(business)
    tasks_run_all()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.FAILED, "21211")
    assert PHONE not in message.error_message
    assert "[phone]" in message.error_message


def test_max_attempts_fails_and_refunds(business, twilio, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    credits_given(business, 5)
    twilio.fail_next(status=500, times=10)
    with time_machine.travel(START, tick=False) as clock:
        message = _send(business, body="€" * 100)  # 2 segments, 2 credits
        for _ in range(5):
            tasks_run_all()
            clock.shift(timedelta(hours=2))
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 3
    assert len(twilio.sends()) == 3
    assert sms_balance(business=business) == 5
    assert _refunds(message) == 1


def test_worker_crash_after_twilio_accepted_is_resent_with_the_same_token(
    business, twilio, settings
):
    settings.OUTBOX_LEASE_SECONDS = 60
    credits_given(business, 5)
    with time_machine.travel(START, tick=False) as clock:
        message = _send(business)
        # Given a worker claimed the message and Twilio accepted it, then the worker died
        # before recording the answer (no sid on our row, status still "sending")
        claimed = outbox._claim(message.pk, provider_key="twilio")
        accepted = sms_provider().send(
            SmsRequest(
                to=claimed.to,
                body=claimed.body,
                from_="",
                idempotency_key=str(claimed.delivery_key),
            )
        )
        message.refresh_from_db()
        assert (message.status, message.provider_message_id) == (Status.SENDING, "")
        # While the lease runs, nobody touches it
        assert outbox.outbox_sweep_due(grace_seconds=0, repeat_seconds=0) == 0
        assert outbox.outbox_deliver_message(message_id=message.pk) == "skipped"
        # When the lease has expired, the sweeper re-enqueues it and a worker runs it
        clock.shift(timedelta(seconds=61))
        tasks_run_all()
    # Then it was sent again with the same token, and Twilio answered with the first message:
    # one SMS, recorded with the first sid, charged once
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.provider_message_id == accepted.provider_message_id
    first, second = twilio.sends()
    assert first.idempotency_token == second.idempotency_token
    assert len(twilio.messages) == 1
    assert sms_balance(business=business) == 4


def test_message_that_keeps_killing_workers_is_failed_after_max_attempts(business, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    credits_given(business, 5)
    message = _send(business)
    # Given every attempt so far died mid-call (status sending, lease long expired)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=Status.SENDING, attempts=2, lease_expires_at=datetime(2020, 1, 1, tzinfo=UTC)
    )
    tasks_run_all()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.FAILED, "max_attempts")
    assert sms_balance(business=business) == 5


def test_sweeper_enqueues_overdue_messages_once_per_window(business):
    credits_given(business, 5)
    with time_machine.travel(START, tick=False) as clock:
        message = _send(business)
        # A fresh message still has its own task on the way (within the grace period)
        assert outbox.outbox_sweep_due() == 0
        # Past the grace period with no delivery (the task was lost): enqueued, once per window
        clock.shift(timedelta(seconds=outbox.SWEEP_GRACE_SECONDS + 1))
        assert outbox.outbox_sweep_due() == 1
        assert outbox.outbox_sweep_due() == 0
        clock.shift(timedelta(seconds=outbox.SWEEP_REPEAT_SECONDS + 1))
        assert outbox.outbox_sweep_due() == 1
        tasks_run_all(sweep=False)
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_finished_messages_are_never_swept(business):
    credits_given(business, 5)
    message = _send(business)
    tasks_run_all()
    with time_machine.travel(datetime.now(tz=UTC) + timedelta(days=1)):
        assert outbox.outbox_sweep_due(repeat_seconds=0) == 0
    message.refresh_from_db()
    assert message.attempts == 1


def test_send_rate_is_shared_and_limited_per_second(settings):
    settings.SMS_RATE_PER_SECOND = 3
    with time_machine.travel(START, tick=False) as clock:
        assert [outbox.sms_rate_acquire() for _ in range(4)] == [True, True, True, False]
        clock.shift(timedelta(seconds=1))
        assert outbox.sms_rate_acquire() is True


def test_fractional_send_rate_spreads_over_longer_windows(settings):
    settings.SMS_RATE_PER_SECOND = 0.5  # one every two seconds
    with time_machine.travel(START, tick=False) as clock:
        assert [outbox.sms_rate_acquire() for _ in range(2)] == [True, False]
        clock.shift(timedelta(seconds=2))
        assert outbox.sms_rate_acquire() is True


def test_throttled_delivery_goes_back_to_the_queue_untouched(business, settings, monkeypatch):
    settings.SMS_RATE_PER_SECOND = 1
    monkeypatch.setattr(outbox, "RATE_MAX_WAIT_SECONDS", 0.3)
    credits_given(business, 5)
    with time_machine.travel(START, tick=False):
        message = _send(business)
        assert outbox.sms_rate_acquire() is True  # another worker took this second's slot
        assert outbox.outbox_deliver_message(message_id=message.pk) == "throttled"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.QUEUED, 0)
    # and its next try is enqueued a second later
    retry = DBTaskResult.objects.get(task_path="kazan.messaging.tasks.outbox_deliver")
    assert retry.run_after == START + timedelta(seconds=1)


def _register(sender_class) -> None:
    """An SMS plugin like the console's whose sender is `sender_class`."""
    transport_register(
        dataclasses.replace(
            CONSOLE, key=sender_class.key, sender=lambda installation_id: sender_class()
        )
    )


class _TransactionProbe:
    """A provider plugin that notes whether the caller held a database transaction."""

    key = "probe"
    seen: list[bool] = []

    def send(self, request):
        from kazan.messaging.transports import SmsResult

        self.seen.append(connection.in_atomic_block)
        return SmsResult(provider_message_id=f"PR{request.idempotency_key[:8]}", status="sent")


@pytest.mark.django_db(transaction=True)
def test_provider_is_called_outside_any_transaction(business, settings, monkeypatch):
    monkeypatch.setattr(registry, "_registry", {**registry._registry})
    _register(_TransactionProbe)
    settings.SMS_PROVIDER = "probe"
    credits_given(business, 5)
    with transaction.atomic():
        message = _send(business)
    assert outbox.outbox_deliver_message(message_id=message.pk) == "sent"
    assert _TransactionProbe.seen == [False]


class _Exploding:
    """A provider plugin with a bug: its error text quotes the recipient."""

    key = "exploding"

    def send(self, request):
        raise RuntimeError(f"cannot handle {request.to}")


def test_unexpected_provider_error_retries_and_logs_no_number(
    business, settings, monkeypatch, caplog
):
    monkeypatch.setattr(registry, "_registry", {**registry._registry})
    _register(_Exploding)
    settings.SMS_PROVIDER = "exploding"
    credits_given(business, 5)
    message = _send(business)
    caplog.set_level("INFO")
    tasks_run_all()
    message.refresh_from_db()
    assert (message.status, message.error_code) == (Status.QUEUED, "internal")
    assert "RuntimeError" in caplog.text
    assert PHONE not in caplog.text


@pytest.mark.parametrize(
    ("retry_after", "expected"),
    [(-30, 0), (12.5, 12.5), (10**12, 3600), (float("inf"), None), (float("nan"), None)],
)
def test_retry_after_is_kept_within_an_hour(business, retry_after, expected):
    credits_given(business, 5)
    with time_machine.travel(START, tick=False):
        message = _send(business)
        claimed = outbox._claim(message.pk, provider_key="twilio")
        assert claimed is not None
        assert (
            outbox._record_retry(claimed, code="rate", text="slow down", retry_after=retry_after)
            == "retry"
        )
        claimed.refresh_from_db()
        delay = (claimed.next_attempt_at - START).total_seconds()
    if expected is None:  # not a number of seconds: the outbox's own backoff
        assert 0 < delay <= 3600
    else:
        assert delay == expected

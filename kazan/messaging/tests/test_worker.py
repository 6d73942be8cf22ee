"""A worker killed mid-task loses nothing: real `manage.py db_worker` processes on the test
database, sending through the official Twilio SDK to the local fake Twilio."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kazan.channels.providers.twilio.tests.conftest import FROM_NUMBER
from kazan.core.testing import subprocess_database_url
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.services import sms_send
from kazan.messaging.tasks import stale_tasks_requeue
from kazan.messaging.tests.factories import PHONE, credits_given

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _worker_env(fake) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": subprocess_database_url(),
        # the same keys as this process, or the worker could not read the encrypted numbers
        "KAZAN_DATA_DIR": str(settings.DATA_DIR),
        "KAZAN_PII_KEY": settings.PII_KEY,
        "SECRET_KEY": settings.SECRET_KEY,
        "KAZAN_SMS_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": fake.account_sid,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_BASE_URL": fake.url,
        "KAZAN_OUTBOX_LEASE_SECONDS": "1",
        "KAZAN_SMS_RATE_PER_SECOND": "0",
        "KAZAN_TESTING": "1",
        "DEBUG": "0",
    }


def _worker(fake, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
        [
            sys.executable,
            str(MANAGE),
            "db_worker",
            "--queue-name",
            "*",
            "--no-startup-delay",
            "--no-reload",
            *args,
        ],
        env=_worker_env(fake),
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def _wait_for(condition, *, timeout: float, what: str, process=None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process is not None and process.poll() is not None:
            output = process.stdout.read().decode(errors="replace")
            raise AssertionError(f"the worker exited while waiting for {what}:\n{output}")
        if time.monotonic() > deadline:
            detail = ""
            if process is not None:
                process.kill()
                detail = process.communicate()[0].decode(errors="replace")
            raise AssertionError(f"timed out waiting for {what}\n{detail}")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_send_loses_nothing_and_sends_once(business, fake_twilio):
    # Given a committed SMS whose delivery task is queued
    credits_given(business, 5)
    message = sms_send(business=business, to=PHONE, body="Your code is 424242", purpose="otp")
    task = DBTaskResult.objects.get(task_path="kazan.messaging.tasks.outbox_deliver")
    # and Twilio that accepts the message but holds back its answer
    fake_twilio.hang_next(seconds=30)

    # When a real worker picks the task up and is SIGKILLed while waiting for Twilio
    first = _worker(fake_twilio, "--interval", "0.1", "--worker-id", "doomed")
    try:
        _wait_for(
            fake_twilio.hanging.is_set, timeout=30, what="the worker to call Twilio", process=first
        )
        task.refresh_from_db()
        message.refresh_from_db()
        assert task.status == TaskResultStatus.RUNNING
        assert message.status == Status.SENDING
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == -signal.SIGKILL
    task.refresh_from_db()
    assert task.status == TaskResultStatus.RUNNING  # django_tasks_db alone would stop here

    # Then the stale-task job puts the task back, and once the message's lease has run out
    assert stale_tasks_requeue(older_than_seconds=0) == 1
    task.refresh_from_db()
    assert task.status == TaskResultStatus.READY
    lease = OutboundMessage.objects.get(pk=message.pk).lease_expires_at
    _wait_for(lambda: timezone.now() > lease, timeout=5, what="the lease to expire")

    # a second worker finishes it
    second = _worker(fake_twilio, "--batch", "--interval", "0", "--worker-id", "survivor")
    output, _ = second.communicate(timeout=120)
    assert second.returncode == 0, output.decode(errors="replace")

    task.refresh_from_db()
    message.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert task.worker_ids == ["doomed", "survivor"]
    assert message.status == Status.SENT
    assert message.attempts == 2
    # with the same idempotency token: Twilio holds one message, and it is the one recorded
    first_call, retry = fake_twilio.sends()
    assert first_call.idempotency_token == retry.idempotency_token == str(message.delivery_key)
    assert list(fake_twilio.messages) == [message.provider_message_id]

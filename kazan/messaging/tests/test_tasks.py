"""Task wiring: the schedules crontask runs, and the re-queue of dead workers' tasks."""

from datetime import timedelta

import pytest
import time_machine
from apscheduler.triggers.cron import CronTrigger
from crontask import scheduler
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kazan.messaging import tasks
from kazan.messaging.models import Status
from kazan.messaging.services import sms_send
from kazan.messaging.testing import tasks_run_all
from kazan.messaging.tests.factories import PHONE, credits_given

pytestmark = pytest.mark.django_db


def test_sweeper_and_requeue_run_every_minute():
    jobs = {job.name: job for job in scheduler.get_jobs()}
    for name in ("outbox_sweep", "tasks_requeue_stale"):
        trigger = jobs[name].trigger
        assert isinstance(trigger, CronTrigger)
        fields = {field.name: str(field) for field in trigger.fields}
        assert (fields["minute"], fields["hour"]) == ("*", "*")
    assert jobs["outbox_sweep"].func == tasks.outbox_sweep.enqueue


def _task(status: str, started_minutes_ago: float | None) -> DBTaskResult:
    started = (
        timezone.now() - timedelta(minutes=started_minutes_ago)
        if started_minutes_ago is not None
        else None
    )
    return DBTaskResult.objects.create(
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="kazan.messaging.tasks.outbox_deliver",
        backend_name="default",
        status=status,
        started_at=started,
    )


def test_requeue_puts_only_long_running_tasks_back(settings):
    settings.TASK_LEASE_SECONDS = 600
    dead = _task(TaskResultStatus.RUNNING, started_minutes_ago=11)
    alive = _task(TaskResultStatus.RUNNING, started_minutes_ago=2)
    done = _task(TaskResultStatus.SUCCESSFUL, started_minutes_ago=60)
    assert tasks.tasks_requeue_stale.call() == 1
    statuses = {t.pk: t.status for t in DBTaskResult.objects.all()}
    assert statuses == {
        dead.pk: TaskResultStatus.READY,
        alive.pk: TaskResultStatus.RUNNING,
        done.pk: TaskResultStatus.SUCCESSFUL,
    }


def test_sweep_task_delivers_a_message_whose_task_was_lost(business):
    credits_given(business, 2)
    message = sms_send(business=business, to=PHONE, body="Hi", purpose="otp")
    DBTaskResult.objects.all().delete()  # the enqueued task is gone (never committed here)
    later = timezone.now() + timedelta(minutes=1)
    with time_machine.travel(later):
        assert tasks.outbox_sweep.call() == 1
        tasks_run_all(sweep=False)
    message.refresh_from_db()
    assert message.status == Status.DELIVERED

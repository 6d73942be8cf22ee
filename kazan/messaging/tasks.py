"""Background tasks (django.tasks, run by `manage.py db_worker`, or `rqworker` with the RQ
backend: docs/scaling.md) and their schedules (`manage.py crontask`). Every task here is safe
to run twice: see docs/decisions/0002."""

import logging
from datetime import timedelta

from crontask import cron
from django.conf import settings
from django.tasks import TaskResultStatus, task
from django.utils import timezone

from kazan.messaging import otp, outbox

logger = logging.getLogger("kazan.messaging.tasks")


@task
def outbox_deliver(message_id: int) -> str:
    """Deliver one outbox message (enqueued on commit by sms_send, and by retries/the sweeper)."""
    return outbox.outbox_deliver_message(message_id=message_id)


@task
def outbox_deliver_many(message_ids: list[int]) -> str:
    """Deliver a chunk of outbox messages (a campaign batch), one after the other at the shared
    rate; hands the rest to a new task after outbox.DELIVER_MANY_SECONDS."""
    return outbox.outbox_deliver_messages(message_ids=message_ids)


@cron("* * * * *")
@task
def outbox_sweep() -> int:
    """Every minute: re-enqueue overdue queued messages and `sending` rows with expired leases."""
    return outbox.outbox_sweep_due()


def stale_tasks_requeue(*, older_than_seconds: int | None = None) -> int:
    """django_tasks_db leaves the task of a killed worker RUNNING forever; put every task that
    has been running longer than TASK_LEASE_SECONDS back to READY so another worker runs it.
    With the RQ backend, RQ notices the dead worker itself and this requeues its jobs."""
    from kazan.core import tasks_rq

    if tasks_rq.rq_enabled():
        return tasks_rq.rq_abandoned_requeue()
    from django_tasks_db.models import DBTaskResult

    seconds = settings.TASK_LEASE_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=seconds)
    requeued = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY)
    if requeued:
        logger.warning("requeued %d tasks of dead workers", requeued)
    return requeued


@cron("* * * * *")
@task
def tasks_requeue_stale() -> int:
    return stale_tasks_requeue()


@cron("*/10 * * * *")
@task
def otp_retention() -> int:
    """Every 10 minutes: blank used-up codes in sent SMS texts, drop spent challenges, forget
    numbers that never became customers (messaging.otp.otp_retention_apply)."""
    return otp.otp_retention_apply()

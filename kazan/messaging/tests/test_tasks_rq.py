"""The Redis Queue tasks backend (KAZAN_TASKS_BACKEND=rq, docs/scaling.md) runs Kazan's real
tasks against the real Redis: an outbox delivery enqueued on commit and run by a burst worker,
a retry's `run_after` kept until its time, and the job of a dead worker put back in the queue.

Runs when REDIS_URL is set and django-tasks-rq is installed; the rest of the suite keeps the
database backend."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from kazan.core import tasks_rq
from kazan.messaging.models import OutboundMessage, Status
from kazan.messaging.services import delivery_enqueue, sms_send
from kazan.messaging.tasks import stale_tasks_requeue
from kazan.messaging.tests.factories import PHONE, credits_given

pytest.importorskip("django_tasks_rq")

pytestmark = pytest.mark.django_db


def _rq_keys_delete(connection) -> None:
    for key in connection.scan_iter("rq:*"):
        connection.delete(key)


@pytest.fixture
def rq_queue(settings):
    """The RQ backend on the test Redis, with its queue emptied before and after."""
    if not settings.REDIS_URL:
        pytest.skip("set REDIS_URL to test the RQ tasks backend")
    import django_rq
    from django_tasks_rq.backend import Job

    settings.RQ_QUEUES = {"default": {"URL": settings.REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = {"default": {"BACKEND": settings.TASKS_BACKEND_RQ, "QUEUES": ["default"]}}
    settings.SMS_PROVIDER = "console"
    settings.SMS_RATE_PER_SECOND = 0
    queue = django_rq.get_queue("default", job_class=Job)
    _rq_keys_delete(queue.connection)
    yield queue
    _rq_keys_delete(queue.connection)


def _send(business, django_capture_on_commit_callbacks) -> OutboundMessage:
    credits_given(business, 5)
    with django_capture_on_commit_callbacks(execute=True):
        return sms_send(
            business=business, to=PHONE, body="Your table is ready.", purpose="transactional"
        )


def test_an_outbox_delivery_goes_through_redis_and_a_burst_worker(
    business, rq_queue, django_capture_on_commit_callbacks
):
    from django.tasks import task_backends
    from django_tasks_db.models import DBTaskResult

    from kazan.core.tasks_rq_backend import SharedClientRQBackend, rq_client

    assert tasks_rq.rq_enabled()
    assert isinstance(task_backends["default"], SharedClientRQBackend)
    assert rq_client("default") is rq_client("default")  # one Redis client, not one per enqueue
    message = _send(business, django_capture_on_commit_callbacks)
    assert rq_queue.count == 1  # in Redis, not in the database's task table
    assert not DBTaskResult.objects.exists()
    (job,) = rq_queue.get_jobs()
    assert job.func_name == "kazan.messaging.tasks.outbox_deliver"
    assert job.args == (message.pk,)  # an id, never the number or the text

    assert tasks_rq.rq_run_burst() == 1

    message.refresh_from_db()
    assert message.status == Status.DELIVERED
    assert rq_queue.count == 0
    assert rq_queue.failed_job_registry.count == 0


def test_run_after_waits_in_the_scheduled_jobs_until_its_time(
    business, rq_queue, django_capture_on_commit_callbacks
):
    message = _send(business, django_capture_on_commit_callbacks)
    rq_queue.empty()
    later = timezone.now() + timedelta(minutes=5)
    delivery_enqueue(message.pk, run_after=later)
    assert rq_queue.scheduled_job_registry.count == 1

    assert tasks_rq.rq_run_burst(with_scheduled=True) == 0  # not due yet
    with time_machine.travel(later + timedelta(seconds=1)):
        assert tasks_rq.rq_run_burst(with_scheduled=True) == 1

    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def _fail(job, exc_string: str) -> None:
    """Records a failure the way RQ does without a worker (job_lifecycle.record_job_failure:
    what its started-jobs cleanup writes for the job of a worker that died)."""
    from rq.job_lifecycle import record_job_failure

    with job.connection.pipeline() as pipeline:
        record_job_failure(job, exc_string, pipeline)
        pipeline.execute()


def test_the_job_of_a_dead_worker_is_requeued_and_a_raising_one_is_not(
    business, rq_queue, django_capture_on_commit_callbacks
):
    message = _send(business, django_capture_on_commit_callbacks)
    (abandoned,) = rq_queue.get_jobs()
    rq_queue.remove(abandoned)
    _fail(abandoned, "Moved to FailedJobRegistry, due to AbandonedJobError, at 2026-12-05")
    delivery_enqueue(message.pk)  # a second job, whose task raised: it stays failed
    (raising,) = rq_queue.get_jobs()
    rq_queue.remove(raising)
    _fail(raising, "Traceback (most recent call last):\nValueError: boom")
    assert rq_queue.failed_job_registry.count == 2

    assert stale_tasks_requeue() == 1

    assert rq_queue.get_job_ids() == [abandoned.id]
    assert rq_queue.failed_job_registry.get_job_ids() == [raising.id]
    assert tasks_rq.rq_run_burst() == 1
    message.refresh_from_db()
    assert message.status == Status.DELIVERED


def test_a_job_killed_again_and_again_is_left_failed(
    business, rq_queue, django_capture_on_commit_callbacks
):
    _send(business, django_capture_on_commit_callbacks)
    (job,) = rq_queue.get_jobs()
    rq_queue.remove(job)
    for _ in range(tasks_rq.ABANDONED_MAX_RUNS):
        _fail(job, "Moved to FailedJobRegistry, due to AbandonedJobError, at 2026-12-05")
    assert stale_tasks_requeue() == 0
    assert rq_queue.failed_job_registry.get_job_ids() == [job.id]

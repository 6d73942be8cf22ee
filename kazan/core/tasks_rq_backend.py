"""`KAZAN_TASKS_BACKEND=rq` selects this backend: django-tasks-rq's, with one Redis client per
process and queue. django-rq builds a new client (a new connection pool, so a new TCP connection)
on every `get_queue`, which made each enqueue cost ~3 ms; with one client an enqueue costs ~1 ms
(docs/scaling.md). Only `enqueue` changes, copied from django-tasks-rq 0.12.0 (pinned) with the
queue built on the shared client; `test_tasks_rq.py` runs it against the real Redis."""

import functools
from typing import Any

import django_rq
from django_tasks.base import TASK_MAX_PRIORITY, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, RQBackend, failed_callback, success_callback
from redis import Redis
from rq.job import Callback, JobStatus


@functools.cache
def _client(name: str, url: str) -> Redis:
    # `url` keys the cache too, so a changed RQ_QUEUES (tests) gets its own client.
    return django_rq.get_connection(name)


def rq_client(name: str) -> Redis:
    from django_rq.settings import QUEUES

    return _client(name, str(QUEUES[name].get("URL", "")))


class SharedClientRQBackend(RQBackend):
    def enqueue(self, task: Any, args: Any, kwargs: Any) -> TaskResult:
        self.validate_task(task)
        task_result: TaskResult = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        queue = django_rq.get_queue(
            task.queue_name, job_class=Job, connection=rq_client(task.queue_name)
        )
        job = queue.create_job(
            task.module_path,
            args=args,
            kwargs=kwargs,
            job_id=task_result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(task_result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=task_result)
        return task_result

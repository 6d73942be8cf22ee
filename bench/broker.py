"""`python -m bench --only broker`: tasks a second through each tasks backend (docs/scaling.md).

The same real Kazan task, `outbox_deliver` for a message that does not exist (it asks
PostgreSQL one question and answers "skipped": the backend's own cost is what is left), is
enqueued TASKS_PER_SECOND × duration times from this process while two worker processes run,
once per backend:

- the database backend (`django_tasks_db`, two `manage.py db_worker`), on its own queue name so
  leftovers of other scenarios do not run;
- Redis Queue (`KAZAN_TASKS_BACKEND=rq`, two `manage.py rqworker`): RQ's default worker forks a
  work-horse per job, which also opens a new database connection per job;
- Redis Queue with RQ's SimpleWorker (no fork: the job runs in the worker process).

Each row: tasks/s from the first enqueue to the last task finished, the ratio to the database
backend's row, the enqueue rate alone, and p50/p99 of enqueue-to-finish per task.
"""

import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.test import override_settings

TASKS_PER_SECOND = 200  # tasks enqueued per second of --duration (2,000 at the default 10 s)
WORKERS = 2
QUEUE = "bench-broker"
MISSING_MESSAGE = 0  # no outbox message has this id: the task checks and skips
RQ_SETTINGS = "kazan.core.tasks_rq_backend.SharedClientRQBackend"


@dataclass(frozen=True)
class BrokerResult:
    name: str
    tasks: int
    seconds: float
    enqueue_seconds: float
    latencies_ms: list[float]

    def row(self, baseline: "BrokerResult") -> str:
        rate = self.tasks / self.seconds
        ratio = rate / (baseline.tasks / baseline.seconds)
        q = statistics.quantiles(self.latencies_ms, n=100) if len(self.latencies_ms) > 1 else [0]
        return (
            f"| {self.name} | {rate:,.0f} | {ratio:.2f} | {self.tasks / self.enqueue_seconds:,.0f} "
            f"| {q[49] if len(q) > 49 else q[0]:.1f} | {q[98] if len(q) > 98 else q[-1]:.1f} "
            f"| {len(self.latencies_ms):,} / {self.tasks:,} |"
        )


HEADER = (
    "| backend (2 worker processes) | tasks/s | ratio to database | enqueue/s | p50 ms | p99 ms "
    "| finished |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def _workers(command: list[str], env: dict[str, str]) -> list[subprocess.Popen]:
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", *command],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(WORKERS)
    ]
    time.sleep(5)  # start-up: Django, migrations check, the first poll
    return workers


def _stop(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        worker.terminate()
    for worker in workers:
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            worker.kill()


def _wait(done, total: int, timeout: float = 120) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done() >= total:
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"broker bench: tasks still unfinished after {timeout:.0f} s")


def _ms(start: datetime | None, end: datetime | None) -> list[float]:
    return [(end - start).total_seconds() * 1000] if start and end else []


def _database_run(tasks: int) -> BrokerResult:
    from django.tasks import TaskResultStatus, task_backends
    from django_tasks_db.models import DBTaskResult

    from kazan.messaging.tasks import outbox_deliver

    backend = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", QUEUE]}
    command = ["db_worker", "--queue-name", QUEUE, "--interval", "0.2"]
    DBTaskResult.objects.filter(queue_name=QUEUE).delete()
    workers = _workers(command, dict(os.environ, DJANGO_SETTINGS_MODULE="bench.broker_settings"))
    try:
        with override_settings(TASKS={"default": backend}):
            assert task_backends["default"].__class__.__name__ == "DatabaseBackend"
            task = outbox_deliver.using(queue_name=QUEUE)
            started = time.monotonic()
            for _ in range(tasks):
                task.enqueue(MISSING_MESSAGE)
            enqueued = time.monotonic()
            finished = DBTaskResult.objects.filter(
                queue_name=QUEUE, status=TaskResultStatus.SUCCESSFUL
            )
            ended = _wait(finished.count, tasks)
    finally:
        _stop(workers)
    rows = finished.values_list("enqueued_at", "finished_at")
    latencies = [ms for start, end in rows for ms in _ms(start, end)]
    DBTaskResult.objects.filter(queue_name=QUEUE).delete()
    return BrokerResult(
        "database (django_tasks_db, db_worker)",
        tasks,
        ended - started,
        enqueued - started,
        latencies,
    )


def _rq_run(tasks: int, *, simple: bool) -> BrokerResult:
    import django_rq
    from django.tasks import task_backends
    from django_tasks_rq.backend import Job

    from kazan.messaging.tasks import outbox_deliver

    queues = {"default": {"URL": settings.REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    command = ["rqworker", "--job-class", "django_tasks_rq.Job", "--with-scheduler"]
    if simple:
        command += ["--worker-class", "rq.worker.SimpleWorker"]
    env = dict(os.environ, KAZAN_TASKS_BACKEND="rq", LOG_LEVEL="ERROR")
    with override_settings(
        TASKS={"default": {"BACKEND": RQ_SETTINGS, "QUEUES": ["default"]}}, RQ_QUEUES=queues
    ):
        queue = django_rq.get_queue("default", job_class=Job)
        for key in queue.connection.scan_iter("rq:*"):
            queue.connection.delete(key)
        workers = _workers([*command, "default"], env)
        try:
            assert task_backends["default"].__class__.__name__ == "SharedClientRQBackend"
            started = time.monotonic()
            ids = [outbox_deliver.enqueue(MISSING_MESSAGE).id for _ in range(tasks)]
            enqueued = time.monotonic()
            ended = _wait(lambda: queue.finished_job_registry.count, tasks)
        finally:
            _stop(workers)
        jobs = Job.fetch_many(ids, connection=queue.connection)
        latencies = [ms for job in jobs if job for ms in _ms(job.enqueued_at, job.ended_at)]
        for key in queue.connection.scan_iter("rq:*"):
            queue.connection.delete(key)
    name = "Redis Queue, SimpleWorker (no fork)" if simple else "Redis Queue (rqworker, fork)"
    return BrokerResult(name, tasks, ended - started, enqueued - started, latencies)


def broker_run(*, duration: int) -> None:
    """Prints the table; needs REDIS_URL (the bench sets a default) and django-tasks-rq."""
    tasks = TASKS_PER_SECOND * duration
    results = [_database_run(tasks)]
    try:
        import django_tasks_rq  # noqa: F401
    except ImportError:
        print("django-tasks-rq is not installed: the Redis Queue rows are left out\n")
    else:
        results += [_rq_run(tasks, simple=False), _rq_run(tasks, simple=True)]
    print(f"## Tasks backends: {tasks:,} tasks, enqueued while {WORKERS} workers run\n")
    print(HEADER)
    for result in results:
        print(result.row(results[0]))
    print()

"""Test helpers for concurrency: the same work in parallel threads, and the test database's
URL for real subprocesses (another web process, a worker) that must share it."""

import threading
from collections.abc import Callable

from django.db import connection, connections


def run_in_threads[T](count: int, target: Callable[[], T]) -> list[T | Exception]:
    """Runs `target` in `count` threads released at the same moment; returns each thread's
    result or the exception it raised. Each thread uses (and closes) its own connection, so
    call it from a `django_db(transaction=True)` test."""
    return run_in_threads_numbered(count, lambda _index: target())


def run_in_threads_numbered[T](count: int, target: Callable[[int], T]) -> list[T | Exception]:
    """`run_in_threads` where thread n calls `target(n)`, n in 0..count-1: for racers that
    differ a little (their own reference, every other one another event id) while the barrier,
    the connections and the collecting stay in this one place. Results come in the order the
    threads finished, not by n."""
    barrier = threading.Barrier(count)
    results: list[T | Exception] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        outcome: T | Exception
        try:
            barrier.wait()
            outcome = target(index)
        except Exception as exc:  # the test inspects what each thread got
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def subprocess_database_url() -> str:
    """The test database (not the development one) as a DATABASE_URL for a subprocess."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

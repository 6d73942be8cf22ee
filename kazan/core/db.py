"""Database helpers shared by the services."""

from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, connection, models, transaction


def insert_or_fetch[T](insert: Callable[[], T], fetch: Callable[[], T | None]) -> tuple[T, bool]:
    """Run `insert` in a savepoint; if a unique constraint says another request won the race,
    return the winner from `fetch` instead. Returns (row, inserted).

    Call inside the service's transaction, after a plain look-up found nothing. An
    IntegrityError that no row explains (another constraint) is not a race and is re-raised.
    """
    try:
        with transaction.atomic():
            return insert(), True
    except IntegrityError:
        winner = fetch()
        if winner is None:
            raise
        return winner, False


@contextmanager
def atomic_relaxed():
    """A transaction whose commit does not wait for the disk (PostgreSQL
    `synchronous_commit = off`), for writes that may be lost in the last moment before a crash
    without harm: visit and click counters. Only when it is the outermost transaction — inside
    another one it is a plain savepoint, so it never relaxes anybody else's writes."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield


class AppendOnlyQuerySet[M: models.Model](models.QuerySet[M]):
    """For ledgers and logs whose history is the record: bulk updates and deletes are refused,
    so a balance or a chain of changes can always be re-derived from the rows."""

    def update(self, **kwargs: object) -> int:
        raise TypeError(f"{self.model._meta.label} is append-only: rows are never updated.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self.model._meta.label} is append-only: rows are never deleted.")


class AppendOnlyModel(models.Model):
    """A row of a ledger or a log: written once, never changed or removed one by one (the
    business's cascade deletes them with it)."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(f"{self._meta.label} is append-only: rows are never updated.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError(f"{self._meta.label} is append-only: rows are never deleted.")

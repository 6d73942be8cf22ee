"""Database helpers shared by the services."""

from collections.abc import Callable

from django.db import IntegrityError, transaction


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

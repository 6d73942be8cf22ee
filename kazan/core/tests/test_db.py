import pytest
from django.db import IntegrityError

from kazan.core.db import insert_or_fetch
from kazan.customers.models import Tag

pytestmark = pytest.mark.django_db


def test_inserts_when_nobody_else_did(business):
    tag, inserted = insert_or_fetch(
        lambda: Tag.objects.create(business=business, name="vip"), lambda: None
    )
    assert inserted and Tag.objects.get() == tag


def test_a_lost_race_returns_the_winner_and_keeps_the_transaction_usable(business):
    winner = Tag.objects.create(business=business, name="vip")
    tag, inserted = insert_or_fetch(
        lambda: Tag.objects.create(business=business, name="vip"),
        lambda: Tag.objects.filter(business=business, name="vip").first(),
    )
    assert (tag, inserted) == (winner, False)
    assert Tag.objects.count() == 1  # the savepoint rolled back only the failed insert


def test_a_constraint_error_no_row_explains_is_raised(business):
    Tag.objects.create(business=business, name="vip")
    with pytest.raises(IntegrityError):
        insert_or_fetch(lambda: Tag.objects.create(business=business, name="vip"), lambda: None)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_atomic_relaxed_relaxes_only_its_own_outermost_transaction():
    from django.db import connection, transaction

    from kazan.core.db import atomic_relaxed

    def synchronous_commit() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with atomic_relaxed():
        assert synchronous_commit() == "off"
    assert synchronous_commit() == "on"  # SET LOCAL ends with the transaction
    with transaction.atomic(), atomic_relaxed():
        assert synchronous_commit() == "on"  # never relaxes somebody else's transaction

"""Many workers at once at a quota's or a limit's boundary on PostgreSQL: never one too many."""

import pytest

from kazan.billing.queries.limits import quota_used
from kazan.billing.testing import limit_outcomes, limits_give
from kazan.core import entitlements
from kazan.core.entitlements import Quota
from kazan.core.testing import run_in_threads, run_in_threads_numbered

WORKERS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_quota_takes_never_overshoot(business):
    limits_give(business, messages=7)
    results = run_in_threads(
        WORKERS, lambda: entitlements.quota_take(business=business, key=Quota.MESSAGES)
    )
    assert limit_outcomes(results) == (7, WORKERS - 7)
    assert quota_used(business=business, key=Quota.MESSAGES) == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_months_first_takes_at_once_are_all_counted(business):
    """The month's counter row does not exist yet: a worker whose update found no row while
    another inserted it is counted on the row it finds, not refused as if the month were full
    (a customer's message handed to the team for no reason)."""
    limits_give(business, messages=WORKERS * 2)
    results = run_in_threads(
        WORKERS, lambda: entitlements.quota_take(business=business, key=Quota.MESSAGES)
    )
    assert limit_outcomes(results) == (WORKERS, 0)
    assert quota_used(business=business, key=Quota.MESSAGES) == WORKERS


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_faq_adds_at_the_limit_never_overshoot(business):
    """faq_create asks plan_allows in the transaction that adds the FAQ, as every feature
    does: the locked subscription row queues the adds, each counts what the one before it
    added."""
    from kazan.faq.models import Faq
    from kazan.faq.services import faq_create

    limits_give(business, faqs=5)
    results = run_in_threads_numbered(
        WORKERS,
        lambda n: faq_create(
            business=business, actor=None, question=f"Question {n}?", answer="Yes.", language="en"
        ),
    )
    assert limit_outcomes(results) == (5, WORKERS - 5)
    assert Faq.objects.filter(business=business).count() == 5

"""Background tasks of the faq app (django.tasks; see docs/decisions/0002)."""

from django.tasks import task

from kazan.faq import queries


@task
def faq_index_warm(business_id: int) -> bool:
    """After a change to a business's FAQs or synonyms (enqueued on commit): build the matcher's
    index of the new version in the worker and share it, so no visitor waits for the build."""
    return queries.faq_index_warm(business_id)

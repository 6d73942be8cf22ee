"""Many issuers at once on PostgreSQL: numbers 1..n with no gap and no duplicate, and a gateway
invoice delivered by several webhooks at once is issued once without using up a number."""

import pytest

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import Invoice, InvoiceSequence
from kazan.billing.services.invoices import invoice_issue
from kazan.core.testing import run_in_threads, run_in_threads_numbered

LINE = InvoiceLineData(description="Basic, monthly", amount_minor=4900)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_issuers_get_numbers_one_to_twenty(business, other_business):
    def issue(n: int) -> Invoice:
        return invoice_issue(
            business=business if n % 2 else other_business,
            lines=[LINE],
            currency="EUR",
            amounts_include_tax=False,
        )

    results = run_in_threads_numbered(20, issue)
    assert all(isinstance(result, Invoice) for result in results), results
    sequences = sorted(Invoice.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, 21))
    assert Invoice.objects.values("number").distinct().count() == 20
    assert InvoiceSequence.objects.get(series="invoice").last_number == 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_replayed_gateway_invoice_is_issued_once_under_concurrency(business):
    def issue() -> Invoice:
        return invoice_issue(
            business=business,
            lines=[LINE],
            currency="EUR",
            amounts_include_tax=True,
            gateway="stripe",
            gateway_invoice_id="in_same",
        )

    results = run_in_threads(8, issue)
    assert all(isinstance(result, Invoice) for result in results), results
    assert {result.pk for result in results} == {Invoice.objects.get().pk}
    assert InvoiceSequence.objects.get(series="invoice").last_number == 1

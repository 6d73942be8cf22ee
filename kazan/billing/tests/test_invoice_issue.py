"""Issuing invoices: gapless numbers per series and UTC year, idempotent on the gateway's id,
totals that add up in net and gross mode, snapshots, due dates and the bank reference."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from kazan.activity.models import Activity
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import BillingProfile, Invoice, InvoiceSequence
from kazan.billing.services.invoices import invoice_issue, invoice_mark_paid, totals_compute

pytestmark = pytest.mark.django_db

LINE = InvoiceLineData(description="Professional, monthly", amount_minor=14900)


def issue(business, **kwargs):
    kwargs.setdefault("lines", [LINE])
    kwargs.setdefault("currency", "EUR")
    kwargs.setdefault("amounts_include_tax", False)
    return invoice_issue(business=business, **kwargs)


def test_numbers_are_sequential_per_year_and_roll_over(business, owner, settings):
    settings.INVOICE_PREFIX = "KZ"
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), tick=False):
        first, second = issue(business), issue(business)
    with time_machine.travel(dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=dt.UTC), tick=False):
        third = issue(business)
    assert [first.number, second.number, third.number] == [
        "KZ-2026-00001",
        "KZ-2026-00002",
        "KZ-2027-00001",
    ]
    assert InvoiceSequence.objects.get(series="invoice", year=2026).last_number == 2


def test_a_failed_issue_gives_its_number_back(business, owner, monkeypatch):
    issue(business)

    def broken(**kwargs):
        raise RuntimeError("the activity log is down")

    monkeypatch.setattr("kazan.billing.services.invoices.activity_record", broken)
    with pytest.raises(RuntimeError):
        issue(business)
    monkeypatch.undo()
    assert issue(business).sequence == 2
    assert Invoice.objects.count() == 2


def test_the_same_gateway_invoice_is_issued_once(business, owner):
    paid = {"gateway": "stripe", "gateway_invoice_id": "in_1", "paid_at": dt.datetime.now(dt.UTC)}
    first = issue(business, **paid)
    again = issue(business, **paid)
    assert again.pk == first.pk
    assert Invoice.objects.count() == 1
    assert InvoiceSequence.objects.get(series="invoice").last_number == 1


def test_domestic_net_invoice_adds_19_percent(business, owner):
    invoice = issue(business)
    assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (14900, 2831, 17731)
    assert invoice.tax_rate == Decimal("19.00")
    assert invoice.buyer_name == business.name
    assert invoice.buyer_email == owner.email
    assert Activity.objects.filter(action="invoice.issued", business=business).exists()


def test_gross_lines_take_the_tax_out(business, owner):
    invoice = issue(
        business,
        lines=[
            InvoiceLineData(description="Professional", amount_minor=14900),
            InvoiceLineData(description="Unused time on Basic", amount_minor=-1633),
        ],
        amounts_include_tax=True,
    )
    assert invoice.total_minor == 13267
    assert invoice.subtotal_minor + invoice.tax_minor == invoice.total_minor
    assert sum(line.amount_minor for line in invoice.lines.all()) == invoice.subtotal_minor


@hsettings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(-(10**7), 10**7), min_size=1, max_size=6),
    rate=st.decimals(min_value=0, max_value=Decimal("99.99"), places=2),
    gross=st.booleans(),
)
def test_totals_always_add_up(amounts, rate, gross):
    lines = [InvoiceLineData(description="x", amount_minor=amount) for amount in amounts]
    totals = totals_compute(lines=lines, rate=rate, amounts_include_tax=gross)
    assert totals.total_minor == totals.subtotal_minor + totals.tax_minor
    assert sum(line.amount_minor for line in totals.lines) == totals.subtotal_minor
    if gross:
        assert totals.total_minor == sum(amounts)
    else:
        assert totals.subtotal_minor == sum(amounts)


def test_an_open_manual_invoice_is_due_later_with_its_number_as_reference(
    business, owner, settings
):
    settings.PAYMENT_DUE_DAYS = 10
    invoice = issue(business, gateway="manual")
    assert invoice.status == Invoice.Status.OPEN
    assert invoice.payment_reference == invoice.number
    assert (invoice.due_at - invoice.issued_at).days == 10


def test_the_buyer_is_a_snapshot_of_the_billing_profile(business, owner):
    profile = BillingProfile.objects.create(
        business=business,
        legal_name="Café A GmbH",
        address_line1="Hauptstraße 1",
        postal_code="10115",
        city="Berlin",
        country="DE",
        vat_id="DE136695976",
        email="billing@cafe.example",
    )
    invoice = issue(business)
    profile.legal_name = "Renamed"
    profile.save()
    invoice.refresh_from_db()
    assert invoice.buyer_name == "Café A GmbH"
    assert invoice.buyer_vat_id == "DE136695976"
    assert invoice.buyer_address == "Hauptstraße 1\n10115 Berlin"
    assert invoice.buyer_email == "billing@cafe.example"


def test_mark_paid_moves_an_open_invoice_once(business, owner):
    invoice = issue(business, gateway="manual")
    now = dt.datetime.now(dt.UTC)
    assert invoice_mark_paid(invoice=invoice, paid_at=now) is True
    assert invoice_mark_paid(invoice=invoice, paid_at=now) is False
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_at) == (Invoice.Status.PAID, now)

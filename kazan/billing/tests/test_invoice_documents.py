"""The invoice as a document: the PDF's content (number, VAT ids, reverse charge note, bank
details, "Paid on"), private storage and drawing it again, the email sent once; credit notes."""

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.files.storage import default_storage
from pypdf import PdfReader

from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import BillingProfile, Invoice
from kazan.billing.services.credit_notes import credit_note_issue
from kazan.billing.services.invoice_pdf import invoice_pdf, invoice_pdf_render
from kazan.billing.services.invoices import invoice_issue, invoice_mark_paid
from kazan.billing.services.manual import bank_details_update
from kazan.core.errors import Conflict, ValidationFailed
from kazan.messaging.testing import tasks_run_all

pytestmark = pytest.mark.django_db

BANK = {
    "recipient": "Kazan GmbH",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "bank_name": "Commerzbank",
}


def text_of(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def issue(business, capture, **kwargs):
    kwargs.setdefault("lines", [InvoiceLineData(description="Basic, monthly", amount_minor=4900)])
    with capture(execute=True):
        invoice = invoice_issue(
            business=business, currency="EUR", amounts_include_tax=False, **kwargs
        )
    with capture(execute=True):
        tasks_run_all(sweep=False)
    invoice.refresh_from_db()
    return invoice


def eu_business(business):
    BillingProfile.objects.create(
        business=business,
        legal_name="Café A SARL",
        address_line1="1 rue de Rivoli",
        postal_code="75001",
        city="Paris",
        country="FR",
        vat_id="FR40303265045",
        email="compta@cafe.example",
    )


def test_the_pdf_shows_number_vat_ids_and_the_reverse_charge(
    business, owner, django_capture_on_commit_callbacks
):
    eu_business(business)
    invoice = issue(business, django_capture_on_commit_callbacks, gateway="manual")
    text = text_of(invoice_pdf(invoice=invoice))
    assert invoice.number in text
    assert "FR40303265045" in text and "DE123456789" in text  # buyer's and seller's
    assert "Reverse charge" in text and "2006/112/EC" in text
    assert "Café A SARL" in text and "€49.00" in text
    assert "Due on" in text


def test_an_open_bank_transfer_invoice_shows_the_bank_details_a_receipt_its_payment_date(
    business, owner, staff_user, django_capture_on_commit_callbacks
):
    bank_details_update(**BANK, actor=staff_user)
    invoice = issue(business, django_capture_on_commit_callbacks, gateway="manual")
    text = text_of(invoice_pdf(invoice=invoice))
    assert "DE89 3704 0044 0532 0130 00" in text and "COBADEFFXXX" in text
    assert f"Reference: {invoice.number}" in text
    assert "VAT 19 %" in text and "€58.31" in text

    paid_at = dt.datetime(2026, 3, 4, 10, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        invoice_mark_paid(invoice=invoice, paid_at=paid_at)
    receipt = text_of(invoice_pdf(invoice=Invoice.objects.get(pk=invoice.pk)))
    assert "Receipt" in receipt and "Paid on 03/04/2026" in receipt
    assert "IBAN" not in receipt


def test_the_pdf_is_in_the_businesss_language(business, owner, django_capture_on_commit_callbacks):
    business.language = "de"
    business.save()
    invoice = issue(business, django_capture_on_commit_callbacks)
    text = text_of(invoice_pdf(invoice=invoice))
    assert "49,00\u00a0€" in text or "49,00 €" in text


def test_the_pdf_is_kept_privately_and_drawn_again_when_missing(
    business, owner, django_capture_on_commit_callbacks
):
    invoice = issue(business, django_capture_on_commit_callbacks)
    assert invoice.pdf.name.startswith("private/invoices/")
    stored = default_storage.open(invoice.pdf.name).read()
    assert invoice_pdf(invoice=invoice) == stored
    default_storage.delete(invoice.pdf.name)
    again = invoice_pdf(invoice=invoice)
    assert invoice.number in text_of(again)
    assert default_storage.exists(Invoice.objects.get(pk=invoice.pk).pdf.name)


def test_the_invoice_is_emailed_once_with_the_pdf(
    business, owner, django_capture_on_commit_callbacks
):
    eu_business(business)
    invoice = issue(business, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["compta@cafe.example"]
    assert invoice.number in message.subject
    name, content, mimetype = message.attachments[0]
    assert (name, mimetype) == (f"{invoice.number}.pdf", "application/pdf")
    assert invoice.number in text_of(content)
    assert invoice.emailed_at is not None

    from kazan.billing.services.invoices import invoice_deliver

    with django_capture_on_commit_callbacks(execute=True):
        invoice_deliver(invoice_id=invoice.pk, redraw=True)
        tasks_run_all(sweep=False)
    assert len(mail.outbox) == 1


def test_a_delivery_that_failed_after_the_commit_is_tried_again_hourly(
    business, owner, monkeypatch, time_machine, django_capture_on_commit_callbacks
):
    from kazan.billing.services import invoice_pdf as pdf_module
    from kazan.billing.services.invoices import invoices_undelivered_run

    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC), tick=False)
    drawn = pdf_module.invoice_pdf_store

    def storage_down(**kwargs):
        raise OSError("storage unavailable")

    monkeypatch.setattr(pdf_module, "invoice_pdf_store", storage_down)
    invoice = issue(business, django_capture_on_commit_callbacks)
    assert not mail.outbox and invoice.emailed_at is None  # logged, the invoice stands
    monkeypatch.setattr(pdf_module, "invoice_pdf_store", drawn)

    def sweep() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            sent = invoices_undelivered_run()
        with django_capture_on_commit_callbacks(execute=True):
            tasks_run_all(sweep=False)
        return sent

    assert sweep() == 0  # a delivery may still be under way: not yet
    time_machine.move_to(dt.datetime(2026, 12, 1, 9, 20, tzinfo=dt.UTC), tick=False)
    assert sweep() == 1
    assert [m.to for m in mail.outbox] == [[owner.email]]
    assert mail.outbox[0].attachments[0][0] == f"{invoice.number}.pdf"
    assert sweep() == 0 and len(mail.outbox) == 1  # once

    # Undelivered for longer than the retry window: left alone.
    monkeypatch.setattr(pdf_module, "invoice_pdf_store", storage_down)
    old = issue(business, django_capture_on_commit_callbacks)
    monkeypatch.setattr(pdf_module, "invoice_pdf_store", drawn)
    time_machine.move_to(dt.datetime(2026, 12, 5, 9, 20, tzinfo=dt.UTC), tick=False)
    assert sweep() == 0
    old.refresh_from_db()
    assert old.emailed_at is None and len(mail.outbox) == 1


def test_without_a_profile_the_owners_get_it(business, owner, django_capture_on_commit_callbacks):
    issue(business, django_capture_on_commit_callbacks)
    assert mail.outbox[0].to == [owner.email]


# --- credit notes ------------------------------------------------------------------------------


class RefundingGateway:
    """Our SubscriptionGateway interface as the console sees it (the Stripe and Razorpay
    adapters are tested against their fakes in their own packages)."""

    key = "testpay"
    redirects = True
    prorates = True
    portal_origin = ""
    refunds: list[tuple[str, int, str]] = []
    refuse = False

    def checkout_start(self, request): ...
    def checkout_state(self, reference): ...
    def price_ensure(self, **kwargs): ...
    def subscription_checkout_start(self, request): ...
    def subscription_change(self, **kwargs): ...
    def subscription_cancel(self, **kwargs): ...
    def subscription_resume(self, **kwargs): ...
    def portal_url(self, **kwargs): ...
    def subscription_fetch(self, **kwargs): ...

    def payment_refund(self, *, payment_reference, amount_minor, idempotency_key):
        from kazan.billing.gateways import GatewayError

        if self.refuse:
            raise GatewayError("charge already refunded", code="charge_already_refunded")
        self.refunds.append((payment_reference, amount_minor, idempotency_key))
        return f"re_{len(self.refunds)}"


@pytest.fixture
def testpay(monkeypatch):
    from kazan.billing import gateways

    RefundingGateway.refunds = []
    RefundingGateway.refuse = False
    monkeypatch.setitem(gateways._registry, "testpay", RefundingGateway)
    return RefundingGateway


def test_a_full_credit_voids_an_open_invoice(
    business, owner, staff_user, django_capture_on_commit_callbacks
):
    invoice = issue(business, django_capture_on_commit_callbacks, gateway="manual")
    with django_capture_on_commit_callbacks(execute=True):
        note = credit_note_issue(
            invoice=invoice, amount_minor=None, reason="wrong plan", actor=staff_user, refund=False
        )
    assert note.number.startswith(f"KZ-CN-{invoice.year}-") and note.sequence == 1
    assert (note.subtotal_minor, note.tax_minor, note.total_minor) == (-4900, -931, -5831)
    assert note.credit_note_for_id == invoice.pk and note.kind == Invoice.Kind.CREDIT_NOTE
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.VOID
    text = text_of(invoice_pdf(invoice=note))
    assert f"Credit note for {invoice.number}" in text and "wrong plan" in text
    with pytest.raises(Conflict):
        credit_note_issue(
            invoice=invoice, amount_minor=1, reason="x", actor=staff_user, refund=False
        )


def test_partial_credits_add_up_to_the_invoice_exactly(
    business, owner, staff_user, django_capture_on_commit_callbacks
):
    invoice = issue(business, django_capture_on_commit_callbacks, paid_at=dt.datetime.now(dt.UTC))
    first = credit_note_issue(
        invoice=invoice, amount_minor=1001, reason="a", actor=staff_user, refund=True
    )
    rest = credit_note_issue(
        invoice=invoice, amount_minor=None, reason="b", actor=staff_user, refund=True
    )
    assert first.total_minor + rest.total_minor == -invoice.total_minor
    assert first.subtotal_minor + rest.subtotal_minor == -invoice.subtotal_minor
    assert first.tax_minor + rest.tax_minor == -invoice.tax_minor
    assert "refunded by bank transfer" in rest.lines.get().description
    assert Invoice.objects.get(pk=invoice.pk).status == Invoice.Status.PAID
    with pytest.raises(ValidationFailed):
        credit_note_issue(
            invoice=invoice, amount_minor=1, reason="c", actor=staff_user, refund=False
        )


def test_a_gateway_payment_is_refunded_before_the_note_is_written(
    business, owner, staff_user, testpay, django_capture_on_commit_callbacks
):
    invoice = issue(
        business,
        django_capture_on_commit_callbacks,
        paid_at=dt.datetime.now(dt.UTC),
        gateway="testpay",
        gateway_invoice_id="in_9",
        payment_reference="ch_9",
    )
    note = credit_note_issue(
        invoice=invoice, amount_minor=2000, reason="goodwill", actor=staff_user, refund=True
    )
    assert testpay.refunds == [("ch_9", 2000, f"credit-{invoice.pk}-0-2000")]
    assert note.payment_reference == "re_1"

    testpay.refuse = True
    with pytest.raises(Conflict):
        credit_note_issue(
            invoice=invoice, amount_minor=100, reason="again", actor=staff_user, refund=True
        )
    assert invoice.credit_notes.count() == 1


def test_bad_credits_are_refused(business, owner, staff_user, django_capture_on_commit_callbacks):
    invoice = issue(business, django_capture_on_commit_callbacks, gateway="manual")
    for amount, reason, refund in (
        (0, "x", False),
        (10**6, "x", False),
        (5, "", False),
        (5, "x", True),
    ):
        with pytest.raises(ValidationFailed):
            credit_note_issue(
                invoice=invoice, amount_minor=amount, reason=reason, actor=staff_user, refund=refund
            )
    assert Invoice.objects.count() == 1


def test_a_long_invoice_continues_on_the_next_page(
    business, owner, django_capture_on_commit_callbacks
):
    lines = [InvoiceLineData(description=f"Line {n}", amount_minor=100) for n in range(60)]
    invoice = issue(business, django_capture_on_commit_callbacks, lines=lines)
    reader = PdfReader(io.BytesIO(invoice_pdf_render(invoice=invoice)))
    assert len(reader.pages) >= 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "Line 0" in text and "Line 59" in text and "€71.40" in text


def test_the_gateway_refund_runs_outside_the_transaction_and_a_retry_refunds_once(
    business, owner, staff_user, testpay, monkeypatch, django_capture_on_commit_callbacks
):
    from django.db import connection

    from kazan.billing.services import credit_notes

    invoice = issue(
        business,
        django_capture_on_commit_callbacks,
        paid_at=dt.datetime.now(dt.UTC),
        gateway="testpay",
        gateway_invoice_id="in_9",
        payment_reference="ch_9",
    )
    depth = len(connection.atomic_blocks)
    seen: dict[str, str] = {}
    depths: list[int] = []

    def refund_once_per_key(self, *, payment_reference, amount_minor, idempotency_key):
        depths.append(len(connection.atomic_blocks))
        testpay.refunds.append((payment_reference, amount_minor, idempotency_key))
        return seen.setdefault(idempotency_key, f"re_{len(seen) + 1}")

    monkeypatch.setattr(RefundingGateway, "payment_refund", refund_once_per_key)
    real = credit_notes.document_create
    failing = {"left": 1}

    def create_failing_once(**kwargs):
        if failing["left"]:
            failing["left"] -= 1
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(credit_notes, "document_create", create_failing_once)
    with pytest.raises(RuntimeError):
        credit_note_issue(
            invoice=invoice, amount_minor=500, reason="goodwill", actor=staff_user, refund=True
        )
    note = credit_note_issue(
        invoice=invoice, amount_minor=500, reason="goodwill", actor=staff_user, refund=True
    )
    assert depths == [depth, depth]  # no transaction (no Invoice lock) around the HTTP call
    assert [key for _ref, _amount, key in testpay.refunds] == [f"credit-{invoice.pk}-0-500"] * 2
    assert len(seen) == 1 and note.payment_reference == "re_1"
    assert invoice.credit_notes.count() == 1

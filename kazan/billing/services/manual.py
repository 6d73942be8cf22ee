"""Manual payments: the platform's bank details (set by staff) and the pro-forma invoice
emailed to the owners of a business that chose to pay by bank transfer."""

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from kazan.accounts.queries import unscoped_staff_emails
from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.models import BankDetails, Payment
from kazan.billing.queries import bank_details
from kazan.core.errors import PermissionDenied, ValidationFailed
from kazan.core.mail import email_queue, email_text_queue
from kazan.tenancy.queries import owner_emails

if TYPE_CHECKING:
    from kazan.accounts.types import Actor


logger = logging.getLogger("kazan.billing")

Status = Payment.Status

BANK_TEXT_MAX = {"recipient": 140, "bank_name": 140, "address": 250}
BANK_TEXT_CODE = {
    "recipient": BillingErrorCode.INVALID_RECIPIENT,
    "bank_name": BillingErrorCode.INVALID_BANK_NAME,
    "address": BillingErrorCode.INVALID_ADDRESS,
}


def _bank_text(value: object, *, field: str, label: str, required: bool) -> str:
    text = " ".join(str(value or "").split())
    high = BANK_TEXT_MAX[field]
    if (required and not text) or len(text) > high:
        raise ValidationFailed(
            gettext("Enter the %(label)s (at most %(max)s characters).")
            % {"label": label, "max": high},
            code=BANK_TEXT_CODE[field],
        )
    return text


def bank_details_update(
    *,
    recipient: str,
    iban: str,
    bic: str,
    bank_name: str,
    address: str = "",
    actor: "Actor",
) -> BankDetails:
    """Platform staff set the account businesses transfer manual payments to. The IBAN is
    checked against ISO 13616 (country, length, mod-97 check digits, national format) and the
    BIC against ISO 9362 by schwifty; both are stored compact. Every change is recorded in the
    activity log (the IBAN masked). Saving details for the first time sends the pro-forma
    invoices that were waiting for them. Raises PermissionDenied, ValidationFailed."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    values = {
        "recipient": _bank_text(
            recipient, field="recipient", label=gettext("account holder"), required=True
        ),
        "bank_name": _bank_text(bank_name, field="bank_name", label=gettext("bank"), required=True),
        "address": _bank_text(address, field="address", label=gettext("address"), required=False),
    }
    try:
        values["iban"] = IBAN(str(iban or "")[:64]).compact
    except SchwiftyException:
        raise ValidationFailed(
            gettext("This is not a valid IBAN: check the country code, length and check digits."),
            code=BillingErrorCode.INVALID_IBAN,
        ) from None
    try:
        values["bic"] = BIC(str(bic or "").strip()[:32]).compact
    except SchwiftyException:
        raise ValidationFailed(
            gettext("This is not a valid BIC: 8 or 11 letters and digits, like COBADEFFXXX."),
            code=BillingErrorCode.INVALID_BIC,
        ) from None
    with transaction.atomic():
        row = BankDetails.objects.select_for_update().filter(pk=1).first()
        first_time = row is None
        row = row or BankDetails(pk=1)
        changed = [field for field, value in values.items() if getattr(row, field) != value]
        if not changed:
            return row
        old_iban = row.iban_masked
        for field, value in values.items():
            setattr(row, field, value)
        row.updated_by = actor_user(actor)
        row.save()
        activity_record(
            business=None,
            actor=actor,
            action="billing.bank_details_changed",
            target=row,
            data={"fields": changed, "iban": [old_iban, row.iban_masked]},
        )
        if first_time:
            waiting = list(
                Payment.objects.filter(
                    gateway="manual", status=Status.PENDING, proforma_sent_at__isnull=True
                ).values_list("pk", flat=True)
            )

            def enqueue_waiting() -> None:
                for payment_id in waiting:
                    proforma_enqueue(payment_id)

            transaction.on_commit(enqueue_waiting)
    return row


def _manual_payment_requested(payment_id: int) -> None:
    """After a manual payment's commit: the pro-forma goes out, or, while the platform has no
    bank details, the staff are told (the business's page says the payment cannot be made yet;
    the pro-forma follows once staff save the details)."""
    if bank_details() is not None:
        proforma_enqueue(payment_id)
        return
    logger.error("manual payment #%s requested, but no bank details are configured", payment_id)
    _staff_bank_details_missing_email(payment_id)


def _staff_bank_details_missing_email(payment_id: int) -> None:
    recipients = unscoped_staff_emails()
    subject = gettext(
        "Kazan: a business wants to pay by bank transfer, but no bank details are set"
    )
    body = render_to_string(
        "billing/email/bank_details_missing.txt",
        {
            "payment_id": payment_id,
            "settings_url": settings.PUBLIC_URL + reverse("console:bank_details"),
        },
    )
    email_text_queue(subject, body, recipients)


def proforma_enqueue(payment_id: int) -> None:
    """Queues the pro-forma email; a failure to enqueue is logged (the owners still see the
    bank details on the payment's page)."""
    from kazan.billing.tasks import payment_proforma_send

    try:
        payment_proforma_send.enqueue(payment_id)
    except Exception:
        logger.exception("could not enqueue the pro-forma of payment #%s", payment_id)


def payment_proforma_send(*, payment_id: int) -> str:
    """Emails the pro-forma invoice of a pending manual payment to the business's owners (HTML
    and text, in the business's language): once, claimed by a conditional UPDATE so two runs
    never both queue it; the mail task retries a failing mail server (core.mail). Returns
    "sent", "skipped" or "no_bank_details"."""
    details = bank_details()
    if details is None:
        return "no_bank_details"
    payment = (
        Payment.objects.select_related("business", "package")
        .filter(pk=payment_id, gateway="manual", status=Status.PENDING)
        .first()
    )
    recipients = owner_emails(business=payment.business) if payment is not None else []
    if payment is None or not recipients:
        return "skipped"
    with transaction.atomic():
        claimed = Payment.objects.filter(pk=payment.pk, proforma_sent_at__isnull=True).update(
            proforma_sent_at=timezone.now()
        )
        if not claimed:
            return "skipped"
        email_queue(_proforma_message(payment, details, recipients))
        activity_record(
            business=payment.business,
            actor=None,
            action="payment.proforma_sent",
            target=payment,
            data={"recipients": len(recipients)},
        )
    return "sent"


def payment_reference(payment: Payment) -> str:
    """What the payer writes on the transfer so staff can match it to the payment."""
    return f"Kazan {payment.pk}"


def _proforma_message(
    payment: Payment, details: BankDetails, recipients: list[str]
) -> EmailMultiAlternatives:
    from kazan.core.money import money_format

    business = payment.business
    with translation.override(business.language):
        context = {
            "payment": payment,
            "business": business,
            "bank": details,
            "reference": payment_reference(payment),
            "amount": money_format(payment.amount_minor, payment.currency, business.language),
            "sms_credits": number_format(payment.sms_credits, force_grouping=True),
            "payment_url": settings.PUBLIC_URL
            + reverse("billing:payment_detail", kwargs={"payment_id": payment.pk}),
        }
        subject = gettext("Pro-forma invoice %(reference)s: %(amount)s") % {
            "reference": context["reference"],
            "amount": context["amount"],
        }
        text = render_to_string("billing/email/proforma.txt", context)
        html = render_to_string("billing/email/proforma.html", context)
    message = EmailMultiAlternatives(subject, text, None, recipients)
    message.attach_alternative(html, "text/html")
    return message

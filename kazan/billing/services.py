"""Billing write use-cases: the subscription, package upgrades and their payments, the monthly
allowance and the quota warning emails.

Money moves only through messaging's credit ledger (sms_credits_purchase / sms_credits_grant,
idempotent by reference) and a payment's status only through conditional UPDATEs, so a replayed
or concurrent webhook, a double click on "confirm" or a task run twice credits nothing twice.
Gateways are called outside any transaction: a slow provider never holds a row lock.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from kazan.activity.services import activity_record
from kazan.billing.gateways import CheckoutRequest, GatewayError, PaymentGateway, gateway_get
from kazan.billing.models import (
    BankDetails,
    GatewayEvent,
    Payment,
    QuotaNotice,
    SmsPackage,
    Subscription,
    SubscriptionChange,
)
from kazan.billing.queries import ALLOWANCE_REFERENCE_PREFIX, bank_details
from kazan.core.db import insert_or_fetch
from kazan.billing.error_codes import BillingErrorCode
from kazan.core.errors import Conflict, KazanError, NotFound, PermissionDenied, ValidationFailed
from kazan.core.formatting import number_local
from kazan.messaging.services import sms_credits_grant, sms_credits_purchase
from kazan.tenancy.models import Business, Role

logger = logging.getLogger("kazan.billing")

# The catalog's default tier, recreated if the seeded rows are gone (transactional tests).
DEFAULT_PACKAGE = {
    "key": "starter",
    "name": "Starter",
    "sms_per_month": 200,
    "price_minor": 900,
    "currency": "EUR",
    "sort_order": 10,
}
Status = Payment.Status


class PaymentGatewayUnavailable(KazanError):
    code = BillingErrorCode.GATEWAY_UNAVAILABLE
    status = 503
    default_message = _("The payment provider cannot be reached right now. Please try again.")


@dataclass(frozen=True)
class UpgradeStarted:
    payment: Payment
    # Where to send the payer (Stripe Checkout); "" for a manual payment staff will confirm.
    redirect_url: str


def _user(actor):
    return actor if getattr(actor, "is_authenticated", False) else None


def month_key(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m")


def month_start(moment: datetime) -> datetime:
    moment = moment.astimezone(UTC)
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


# --- subscription -----------------------------------------------------------------------------


def package_default() -> SmsPackage:
    package = (
        SmsPackage.objects.filter(key=DEFAULT_PACKAGE["key"], active=True).first()
        or SmsPackage.objects.filter(active=True).first()
    )
    if package is None:
        package, _created = SmsPackage.objects.get_or_create(
            key=DEFAULT_PACKAGE["key"], defaults=DEFAULT_PACKAGE
        )
    return package


def subscription_for(business: Business) -> Subscription:
    """The business's subscription; the first call creates the default (Starter) one.

    Safe under concurrency: two first calls at once end with one row (the loser fetches it).
    """
    existing = Subscription.objects.filter(business=business).select_related("package").first()
    if existing is not None:
        return existing
    with transaction.atomic():
        package = package_default()
        subscription, inserted = insert_or_fetch(
            lambda: Subscription.objects.create(
                business=business,
                package=package,
                sms_allowance=package.sms_per_month,
                price_minor=package.price_minor,
                currency=package.currency,
                current_period_start=timezone.now(),
            ),
            lambda: Subscription.objects.filter(business=business).first(),
        )
        if inserted:
            activity_record(
                business=business,
                actor=None,
                action="subscription.created",
                target=subscription,
                data={"package": package.key, "sms_allowance": package.sms_per_month},
            )
    return subscription


# --- per-business terms and their internal log -------------------------------------------------

SMS_ALLOWANCE_MAX = 1_000_000
PRICE_MINOR_MAX = 100_000_000
REASON_MIN, REASON_MAX = 3, 500
Field = SubscriptionChange.Field


def _whole_number(value, *, high: int, message: str, code: str) -> int:
    """An int, or a string of digits from a form; anything else (bools, floats, negatives,
    out of range) is a ValidationFailed with `message`."""
    if isinstance(value, str) and value.strip().isdecimal():
        value = int(value.strip())
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= high:
        raise ValidationFailed(
            message % {"max": number_format(high, force_grouping=True)}, code=code
        )
    return value


def _terms_log(
    *,
    subscription: Subscription,
    new: dict,
    reason: str,
    changed_by,
    payment: Payment | None = None,
) -> list[SubscriptionChange]:
    """Writes one log row per field whose value differs and applies the new values.

    Call inside the caller's transaction while holding SELECT FOR UPDATE on `subscription`
    (freshly read under that lock): the old values are then the committed ones and concurrent
    changes queue up, so each field's rows form an unbroken old → new chain."""
    now = timezone.now()
    new = {str(field): value for field, value in new.items()}
    rows = []
    for field, value in new.items():
        old = getattr(subscription, field)
        old_text = old.key if field == Field.PACKAGE else str(old)
        new_text = value.key if field == Field.PACKAGE else str(value)
        if old_text == new_text:
            continue
        rows.append(
            SubscriptionChange(
                business_id=subscription.business_id,
                subscription=subscription,
                field=field,
                old_value=old_text,
                new_value=new_text,
                reason=reason,
                changed_by=changed_by,
                payment=payment,
                changed_at=now,
            )
        )
    if not rows:
        return []
    # One by one (not bulk_create): ids in write order on every database, for the chain.
    for row in rows:
        row.save()
    Subscription.objects.filter(pk=subscription.pk).update(**new, updated_at=now)
    for field, value in new.items():
        setattr(subscription, field, value)
    return rows


def subscription_terms_change(
    *, business: Business, sms_allowance: int, price_minor: int, reason: str, actor
) -> list[SubscriptionChange]:
    """Platform staff give one business its own SMS allowance and monthly price (spec §1.3.2,
    §1.7.3). Each changed field leaves a log row (old → new, who, why); nothing changed writes
    nothing and returns []. The allowance applies from the next monthly grant; credits already
    granted stay (correct those with messaging's sms_credits_adjust).
    Raises PermissionDenied (not staff), ValidationFailed (with a message per field)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    allowance = _whole_number(
        sms_allowance,
        high=SMS_ALLOWANCE_MAX,
        message=gettext("Enter the SMS per month as a whole number from 0 to %(max)s."),
        code=BillingErrorCode.INVALID_SMS_ALLOWANCE,
    )
    price = _whole_number(
        price_minor,
        high=PRICE_MINOR_MAX,
        message=gettext("Enter the price in cents as a whole number from 0 to %(max)s."),
        code=BillingErrorCode.INVALID_PRICE,
    )
    reason = " ".join(str(reason or "").split())
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            gettext("Say why the terms change, in %(min)s to %(max)s characters.")
            % {"min": REASON_MIN, "max": REASON_MAX},
            code=BillingErrorCode.INVALID_REASON,
        )
    with transaction.atomic():
        subscription_for(business)
        subscription = Subscription.objects.select_for_update().get(business=business)
        old = {"sms_allowance": subscription.sms_allowance, "price_minor": subscription.price_minor}
        rows = _terms_log(
            subscription=subscription,
            new={Field.SMS_ALLOWANCE: allowance, Field.PRICE_MINOR: price},
            reason=reason,
            changed_by=_user(actor),
        )
        if rows:
            activity_record(
                business=business,
                actor=actor,
                action="subscription.terms_changed",
                target=subscription,
                data={
                    "old": old,
                    "new": {"sms_allowance": allowance, "price_minor": price},
                    "currency": subscription.currency,
                    "change_ids": [row.pk for row in rows],
                },
            )
    return rows


# --- upgrades and payments --------------------------------------------------------------------


def _payment_url(payment: Payment, outcome: str) -> str:
    path = reverse("billing:payment_detail", kwargs={"payment_id": payment.pk})
    # {CHECKOUT_SESSION_ID} is Stripe's template; other gateways ignore it.
    return f"{settings.PUBLIC_URL}{path}?checkout={outcome}"


def gateway_configured(key: str | None = None) -> PaymentGateway:
    """The gateway, or PaymentGatewayUnavailable (a 503 with a clear message, not a 500) when
    its settings are incomplete; the operator finds the reason in the log."""
    try:
        return gateway_get(key)
    except ImproperlyConfigured as exc:
        logger.error("payment gateway %s is not configured: %s", key or "default", exc)
        raise PaymentGatewayUnavailable() from exc


def _checkout_description(business: Business, package: SmsPackage) -> str:
    with translation.override(business.language):
        return gettext("Kazan %(package)s: %(count)s SMS credits") % {
            "package": package.name,
            "count": number_local(package.sms_per_month),
        }


def package_upgrade_start(
    *, business: Business, package: SmsPackage, actor, gateway_key: str | None = None
) -> UpgradeStarted:
    """Starts buying `package` (an upgrade, or the same package again as a top-up).

    Manual gateway: a pending payment that platform staff confirm; asking again for the same
    package returns the pending one instead of piling up duplicates. Stripe: a Checkout Session;
    the returned URL is where the payer goes. Credits arrive only with payment_mark_paid.
    Raises ValidationFailed (inactive package), PaymentGatewayUnavailable.
    """
    if not package.active:
        raise ValidationFailed(_("This package is not available."), code=BillingErrorCode.INVALID_PACKAGE)
    gateway = gateway_configured(gateway_key)
    user = _user(actor)
    with transaction.atomic():
        subscription_for(business)
        if not gateway.redirects:
            pending = Payment.objects.filter(
                business=business, package=package, gateway=gateway.key, status=Status.PENDING
            ).first()
            if pending is not None:
                return UpgradeStarted(payment=pending, redirect_url="")
        payment = Payment.objects.create(
            business=business,
            package=package,
            gateway=gateway.key,
            amount_minor=package.price_minor,
            currency=package.currency.upper(),
            sms_credits=package.sms_per_month,
            created_by=user,
        )
        activity_record(
            business=business,
            actor=actor,
            action="payment.started",
            target=payment,
            data={
                "gateway": gateway.key,
                "package": package.key,
                "amount_minor": payment.amount_minor,
                "currency": payment.currency,
            },
        )
        if not gateway.redirects:
            transaction.on_commit(lambda: _manual_payment_requested(payment.pk))
    # Outside the transaction: the payment row is committed before the provider hears of it.
    try:
        result = gateway.checkout_start(
            CheckoutRequest(
                payment_id=payment.pk,
                business_id=business.pk,
                package_key=package.key,
                description=_checkout_description(business, package),
                amount_minor=payment.amount_minor,
                currency=payment.currency,
                success_url=_payment_url(payment, "success"),
                cancel_url=_payment_url(payment, "cancelled"),
                idempotency_key=f"kazan-payment-{payment.pk}",
            )
        )
    except GatewayError as exc:
        _payment_close(
            payment=payment,
            status=Status.FAILED,
            action="payment.failed",
            data={"reason": exc.code or "gateway_error"},
        )
        raise PaymentGatewayUnavailable() from exc
    if result.reference:
        Payment.objects.filter(pk=payment.pk, gateway_reference="").update(
            gateway_reference=result.reference
        )
        payment.gateway_reference = result.reference
    return UpgradeStarted(payment=payment, redirect_url=result.redirect_url)


def payment_mark_paid(*, payment: Payment, actor=None, actor_kind: str | None = None) -> bool:
    """pending → paid, once: credits the payment's SMS and switches the subscription to its
    package. Returns False (and changes nothing) when the payment was not pending any more,
    so replays and races are harmless; the ledger reference "payment:<id>" is a second wall."""
    user = _user(actor)
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Status.PENDING).update(
            status=Status.PAID, paid_at=timezone.now(), confirmed_by=user
        )
        if not changed:
            return False
        payment.refresh_from_db()
        business = payment.business
        package = payment.package
        # The subscription is locked before the credit account (as allowance_grant does), so
        # the two never wait on each other in opposite order.
        subscription_for(business)
        subscription = Subscription.objects.select_for_update().get(business=business)
        sms_credits_purchase(
            business=business,
            amount=payment.sms_credits,
            reference=f"payment:{payment.pk}",
            actor=user,
        )
        _terms_log(
            subscription=subscription,
            new={
                Field.PACKAGE: package,
                Field.SMS_ALLOWANCE: package.sms_per_month,
                Field.PRICE_MINOR: package.price_minor,
                Field.CURRENCY: package.currency,
            },
            reason=f"package {package.key} bought (payment #{payment.pk})",
            changed_by=user,
            payment=payment,
        )
        activity_record(
            business=business,
            actor=actor,
            actor_kind=actor_kind,
            action="payment.paid",
            target=payment,
            data={
                "gateway": payment.gateway,
                "package": package.key,
                "amount_minor": payment.amount_minor,
                "currency": payment.currency,
                "sms_credits": payment.sms_credits,
            },
        )
    return True


def _payment_close(
    *, payment: Payment, status: str, action: str, actor=None, data: dict | None = None
) -> bool:
    """pending → failed / cancelled (conditional: a paid payment is never closed)."""
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Status.PENDING).update(
            status=status, closed_at=timezone.now()
        )
        if changed:
            payment.status = status
            activity_record(
                business=payment.business,
                actor=actor,
                action=action,
                target=payment,
                data={"gateway": payment.gateway, **(data or {})},
            )
    return bool(changed)


def payment_confirm(*, payment: Payment, actor) -> Payment:
    """Platform staff confirm that a manual payment arrived: it becomes paid and the credits
    arrive (once, however often this is called). Raises PermissionDenied, Conflict."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    if payment.gateway != "manual":
        raise Conflict(
            _("Only manual payments are confirmed by hand; the gateway reports the others."),
            code=BillingErrorCode.NOT_MANUAL,
        )
    if not payment_mark_paid(payment=payment, actor=actor):
        payment.refresh_from_db()
        if payment.status != Status.PAID:
            raise Conflict(_("This payment was cancelled or failed."), code=BillingErrorCode.PAYMENT_CLOSED)
    payment.refresh_from_db()
    return payment


def payment_cancel(*, business: Business, payment: Payment, actor) -> Payment:
    """A member withdraws their own pending manual payment (nothing was paid)."""
    if payment.business_id != business.pk:
        raise NotFound()
    if payment.gateway != "manual" or not _payment_close(
        payment=payment, status=Status.CANCELLED, action="payment.cancelled", actor=actor
    ):
        raise Conflict(_("Only a pending manual payment can be cancelled."), code=BillingErrorCode.NOT_PENDING)
    return payment


@dataclass(frozen=True)
class GatewayEventData:
    """A verified webhook event, reduced to what billing needs (gateways build it)."""

    gateway: str
    event_id: str
    event_type: str
    reference: str  # the gateway's id of the checkout ("" when the event names none)
    outcome: str | None  # "paid", "failed", "cancelled" or None (nothing to do)
    amount_minor: int | None = None
    currency: str = ""


def gateway_event_apply(*, event: GatewayEventData) -> str:
    """Applies a verified webhook event at most once (GatewayEvent is unique per gateway and
    event id; on PostgreSQL a concurrent delivery waits on the unique index and then finds the
    row). Returns what happened: "duplicate", "ignored", "unknown_payment", "mismatch",
    "applied" or "unchanged"."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = GatewayEvent.objects.create(
                    gateway=event.gateway, event_id=event.event_id, event_type=event.event_type
                )
        except IntegrityError:
            return "duplicate"
        if event.outcome is None:
            return "ignored"
        payment = (
            Payment.objects.select_related("business", "package")
            .filter(gateway=event.gateway, gateway_reference=event.reference)
            .first()
            if event.reference
            else None
        )
        if payment is None:
            logger.warning(
                "%s event %s (%s) names no known payment",
                event.gateway,
                event.event_id,
                event.event_type,
            )
            return "unknown_payment"
        GatewayEvent.objects.filter(pk=record.pk).update(payment=payment)
        if event.outcome == "paid":
            if event.amount_minor is None or (
                event.amount_minor != payment.amount_minor
                or event.currency.upper() != payment.currency
            ):
                # Never credit a package for a different amount than its price.
                logger.error(
                    "%s event %s: amount %s %s does not match payment #%s",
                    event.gateway,
                    event.event_id,
                    event.amount_minor,
                    event.currency,
                    payment.pk,
                )
                return "mismatch"
            changed = payment_mark_paid(payment=payment, actor=None, actor_kind="system")
        elif event.outcome == "failed":
            changed = _payment_close(
                payment=payment,
                status=Status.FAILED,
                action="payment.failed",
                data={"reason": event.event_type},
            )
        else:
            changed = _payment_close(
                payment=payment,
                status=Status.CANCELLED,
                action="payment.cancelled",
                data={"reason": event.event_type},
            )
    return "applied" if changed else "unchanged"


def payment_reconcile(*, business: Business, payment: Payment) -> Payment:
    """Asks the gateway about a pending payment (the payer just came back from its page) and
    applies a final answer; the webhook may arrive later and then changes nothing."""
    if payment.business_id != business.pk:
        raise NotFound()
    if not payment.is_pending or not payment.gateway_reference:
        return payment
    try:
        state = gateway_configured(payment.gateway).checkout_state(payment.gateway_reference)
    except (GatewayError, PaymentGatewayUnavailable):
        return payment  # the webhook will tell
    if state is None or state.outcome is None:
        return payment
    if state.outcome == "paid":
        if state.amount_minor == payment.amount_minor and state.currency == payment.currency:
            payment_mark_paid(payment=payment, actor=None, actor_kind="system")
    else:
        _payment_close(
            payment=payment,
            status=Status.CANCELLED if state.outcome == "cancelled" else Status.FAILED,
            action=f"payment.{'cancelled' if state.outcome == 'cancelled' else 'failed'}",
            data={"reason": "reconciled"},
        )
    payment.refresh_from_db()
    return payment


# --- manual payments: the platform's bank details and the pro-forma invoice -------------------

BANK_TEXT_MAX = {"recipient": 140, "bank_name": 140, "address": 250}
PROFORMA_ATTEMPTS = 5
PROFORMA_RETRY_SECONDS = 60  # doubled after each failed attempt: 1, 2, 4, 8 minutes


def _bank_text(value, *, field: str, label: str, required: bool) -> str:
    text = " ".join(str(value or "").split())
    high = BANK_TEXT_MAX[field]
    if (required and not text) or len(text) > high:
        raise ValidationFailed(
            gettext("Enter the %(label)s (at most %(max)s characters).")
            % {"label": label, "max": high},
            code=f"invalid_{field}",
        )
    return text


def bank_details_update(
    *, recipient: str, iban: str, bic: str, bank_name: str, address: str = "", actor
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
        row.updated_by = _user(actor)
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
    from kazan.console.services import staff_emails

    recipients = staff_emails()
    if not recipients:
        return
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
    try:
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("bank details warning for payment #%s could not be sent", payment_id)


def proforma_enqueue(payment_id: int, *, attempt: int = 1, run_after=None) -> None:
    """Queues the pro-forma email; a failure to enqueue is logged (the owners still see the
    bank details on the payment's page)."""
    from kazan.billing.tasks import payment_proforma_send

    try:
        task = payment_proforma_send
        if run_after is not None:
            task = task.using(run_after=run_after)
        task.enqueue(payment_id, attempt)
    except Exception:
        logger.exception("could not enqueue the pro-forma of payment #%s", payment_id)


def payment_proforma_send(*, payment_id: int, attempt: int = 1) -> str:
    """Emails the pro-forma invoice of a pending manual payment to the business's owners (HTML
    and text, in the business's language): once, claimed by a conditional UPDATE so two runs
    never both send; a failed send clears the claim and retries with backoff, up to
    PROFORMA_ATTEMPTS. Returns "sent", "skipped", "no_bank_details", "retry" or "failed"."""
    details = bank_details()
    if details is None:
        return "no_bank_details"
    payment = (
        Payment.objects.select_related("business", "package")
        .filter(pk=payment_id, gateway="manual", status=Status.PENDING)
        .first()
    )
    recipients = _owner_emails(payment.business) if payment is not None else []
    if payment is None or not recipients:
        return "skipped"
    claimed = Payment.objects.filter(pk=payment.pk, proforma_sent_at__isnull=True).update(
        proforma_sent_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    try:
        _proforma_message(payment, details, recipients).send()
    except Exception:
        Payment.objects.filter(pk=payment.pk).update(proforma_sent_at=None)
        logger.exception("pro-forma of payment #%s: attempt %s failed", payment.pk, attempt)
        if attempt >= PROFORMA_ATTEMPTS:
            return "failed"
        delay = PROFORMA_RETRY_SECONDS * 2 ** (attempt - 1)
        proforma_enqueue(
            payment.pk,
            attempt=attempt + 1,
            run_after=timezone.now() + timedelta(seconds=delay),
        )
        return "retry"
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


# --- the monthly allowance --------------------------------------------------------------------


def allowance_grant(*, business: Business, now: datetime | None = None) -> bool:
    """Grants this month's allowance to one business, at most once per month: the subscription
    row's conditional UPDATE guards it and the ledger reference "allowance:<YYYY-MM>" backs it.
    Starts a new quota period. Returns True when credits were granted now."""
    now = now or timezone.now()
    month = month_key(now)
    subscription = subscription_for(business)
    with transaction.atomic():
        claimed = (
            Subscription.objects.filter(pk=subscription.pk)
            .exclude(allowance_granted_for=month)
            .update(
                allowance_granted_for=month,
                # A new period starts with the month. The first grant keeps the subscription's
                # own start only if that lies in this month: an older one would count credits
                # bought months before as booked in this period.
                current_period_start=month_start(now)
                if subscription.allowance_granted_for
                else max(month_start(now), subscription.current_period_start),
                updated_at=now,
            )
        )
        if not claimed:
            return False
        subscription.refresh_from_db()
        if subscription.sms_allowance <= 0:
            return False
        try:
            sms_credits_grant(
                business=business,
                amount=subscription.sms_allowance,
                actor=None,
                note=f"monthly allowance {month}",
                reference=f"{ALLOWANCE_REFERENCE_PREFIX}{month}",
            )
        except Conflict:
            return False  # granted already this month, before staff changed the allowance
        activity_record(
            business=business,
            actor=None,
            action="allowance.granted",
            target=subscription,
            data={"month": month, "sms": subscription.sms_allowance},
        )
    return True


def allowance_grant_monthly(*, now: datetime | None = None) -> int:
    """The periodic job: every active business gets its monthly allowance once. Safe to run as
    often as wanted (hourly); a failure for one business does not stop the others."""
    now = now or timezone.now()
    month = month_key(now)
    done = Subscription.objects.filter(allowance_granted_for=month).values("business_id")
    granted = 0
    for business in Business.objects.filter(status=Business.Status.ACTIVE).exclude(pk__in=done):
        try:
            granted += allowance_grant(business=business, now=now)
        except Exception:
            logger.exception("monthly allowance for business %s failed", business.pk)
    return granted


# --- quota warning emails ---------------------------------------------------------------------


def quota_notify(*, business: Business) -> int | None:
    """Emails the owners when this period's use crosses 80 % or 95 % (once per level and
    period; jumping straight past 95 % sends only the 95 % one). Returns the level emailed."""
    from kazan.billing.queries import quota_status

    status = quota_status(business=business)
    level = status.notice_level
    if level is None:
        return None
    with transaction.atomic():
        inserted_any = False
        for each in (80, 95):
            if each > level:
                continue
            _row, inserted = insert_or_fetch(
                lambda each=each: QuotaNotice.objects.create(
                    business=business, period_start=status.period_start, level=each
                ),
                lambda each=each: QuotaNotice.objects.filter(
                    business=business, period_start=status.period_start, level=each
                ).first(),
            )
            inserted_any = inserted_any or (inserted and each == level)
        if not inserted_any:
            return None
        activity_record(
            business=business,
            actor=None,
            action="quota.warning_sent",
            data={"level": level, "percent_used": status.percent_used},
        )
        transaction.on_commit(lambda: _quota_email_send(business, level, status.percent_used))
    return level


def _owner_emails(business: Business) -> list[str]:
    from kazan.tenancy.queries import team_members

    return [
        m.user.email
        for m in team_members(business=business).filter(role=Role.OWNER, user__is_active=True)
        if m.user.email
    ]


def _quota_email_send(business: Business, level: int, percent_used: int) -> None:
    """After commit. A failure is logged without addresses; the banner still warns."""
    recipients = _owner_emails(business)
    if not recipients:
        return
    try:
        with translation.override(business.language):
            subject = gettext("%(business)s has used %(percent)s%% of its SMS credits") % {
                "business": business.name,
                "percent": percent_used,
            }
            body = render_to_string(
                "billing/email/quota_warning.txt",
                {
                    "business_name": business.name,
                    "level": level,
                    "percent_used": percent_used,
                    "billing_url": settings.PUBLIC_URL + reverse("billing:overview"),
                },
            )
        send_mail(subject, body, None, recipients)
    except Exception:
        logger.exception("quota warning email for business %s could not be sent", business.pk)


def quota_notify_all() -> int:
    """The periodic job behind the warning emails; returns how many were sent."""
    sent = 0
    for business in Business.objects.filter(
        status=Business.Status.ACTIVE, sms_subscription__isnull=False
    ):
        try:
            sent += quota_notify(business=business) is not None
        except Exception:
            logger.exception("quota check for business %s failed", business.pk)
    return sent

"""Buying a package: the upgrade starts a payment on a gateway; the payment is marked paid
once (webhook, the return page's reconcile, or staff confirming a manual transfer), or closed.

Gateways are called outside any transaction: a slow provider never holds a row lock."""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.checkout_listeners import checkout_listeners
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import CheckoutRequest, GatewayError, PaymentGateway, gateway_get
from kazan.billing.models import GatewayCheckout, GatewayEvent, Payment, SmsPackage, Subscription
from kazan.billing.services.manual import _manual_payment_requested
from kazan.billing.services.plan_state import plan_invoice_settle
from kazan.billing.services.subscriptions import Field, _terms_log, subscription_for
from kazan.core.errors import (
    Conflict,
    ErrorCode,
    KazanError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from kazan.core.formatting import number_local
from kazan.messaging.services import sms_credits_purchase

if TYPE_CHECKING:
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.billing")

Status = Payment.Status


class PaymentGatewayUnavailable(KazanError):
    code: ErrorCode = BillingErrorCode.GATEWAY_UNAVAILABLE
    status = 503
    default_message = _("The payment provider cannot be reached right now. Please try again.")


@dataclass(frozen=True)
class UpgradeStarted:
    payment: Payment
    # Where to send the payer (Stripe Checkout); "" for a manual payment staff will confirm.
    redirect_url: str


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


def _checkout_description(business: "Business", package: SmsPackage) -> str:
    with translation.override(business.language):
        return gettext("Kazan %(package)s: %(count)s SMS credits") % {
            "package": package.name,
            "count": number_local(package.sms_per_month),
        }


def package_upgrade_start(
    *,
    business: "Business",
    package: SmsPackage,
    actor: "Actor",
    gateway_key: str | None = None,
) -> UpgradeStarted:
    """Starts buying `package` (an upgrade, or the same package again as a top-up).

    Manual gateway: a pending payment that platform staff confirm; asking again for the same
    package returns the pending one instead of piling up duplicates. Stripe: a Checkout Session;
    the returned URL is where the payer goes. Credits arrive only with payment_mark_paid.
    Raises ValidationFailed (inactive package), PaymentGatewayUnavailable.
    """
    if not package.active:
        raise ValidationFailed(
            _("This package is not available."), code=BillingErrorCode.INVALID_PACKAGE
        )
    gateway = gateway_configured(gateway_key)
    user = actor_user(actor)
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
            data={"reason": exc.code or BillingErrorCode.GATEWAY_ERROR},
        )
        raise PaymentGatewayUnavailable() from exc
    if result.reference:
        Payment.objects.filter(pk=payment.pk, gateway_reference="").update(
            gateway_reference=result.reference
        )
        payment.gateway_reference = result.reference
    return UpgradeStarted(payment=payment, redirect_url=result.redirect_url)


def payment_mark_paid(
    *,
    payment: Payment,
    actor: "Actor" = None,
    actor_kind: str | None = None,
) -> bool:
    """pending → paid, once: credits the payment's SMS and switches the subscription to its
    package (a plan invoice's payment pays the invoice and settles the plan instead). Returns
    False (and changes nothing) when the payment was not pending any more, so replays and
    races are harmless; the ledger reference "payment:<id>" is a second wall."""
    user = actor_user(actor)
    with transaction.atomic():
        changed = Payment.objects.filter(pk=payment.pk, status=Status.PENDING).update(
            status=Status.PAID, paid_at=timezone.now(), confirmed_by=user
        )
        if not changed:
            return False
        payment.refresh_from_db()
        business = payment.business
        package = payment.package
        if package is None:
            # A plan invoice's payment: the invoice is paid, the plan active (plan_state).
            plan_invoice_settle(payment=payment, actor=actor)
            activity_record(
                business=business,
                actor=actor,
                actor_kind=actor_kind,
                action="payment.paid",
                target=payment,
                data={
                    "gateway": payment.gateway,
                    "invoice": payment.invoice_id,
                    "amount_minor": payment.amount_minor,
                    "currency": payment.currency,
                },
            )
            return True
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
    *,
    payment: Payment,
    status: str,
    action: str,
    actor: "Actor" = None,
    data: dict[str, object] | None = None,
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


def payment_confirm(*, payment: Payment, actor: "Actor") -> Payment:
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
            raise Conflict(
                _("This payment was cancelled or failed."), code=BillingErrorCode.PAYMENT_CLOSED
            )
    payment.refresh_from_db()
    return payment


def payment_cancel(*, business: "Business", payment: Payment, actor: "Actor") -> Payment:
    """A member withdraws their own pending manual payment (nothing was paid)."""
    if payment.business_id != business.pk:
        raise NotFound()
    if payment.gateway != "manual" or not _payment_close(
        payment=payment, status=Status.CANCELLED, action="payment.cancelled", actor=actor
    ):
        raise Conflict(
            _("Only a pending manual payment can be cancelled."), code=BillingErrorCode.NOT_PENDING
        )
    return payment


@dataclass(frozen=True)
class GatewayEventData:
    """A verified webhook event, reduced to what billing needs (gateways build it)."""

    gateway: str
    event_id: str
    event_type: str
    reference: str  # the gateway's id of the checkout ("" when the event names none)
    # "paid", "failed", "cancelled", "expired" or None (still open: nothing final happens, but a
    # listener may show progress, e.g. OxaPay's "Paying"; event_type says the gateway's word).
    outcome: str | None
    amount_minor: int | None = None
    currency: str = ""


def gateway_event_apply(*, event: GatewayEventData) -> str:
    """Applies a verified webhook event at most once (GatewayEvent is unique per gateway and
    event id; on PostgreSQL a concurrent delivery waits on the unique index and then finds the
    row). Returns what happened: "duplicate", "ignored", "unknown_payment", "mismatch",
    "applied" or "unchanged".

    A checkout that is not a billing payment goes to the checkout listeners with every
    outcome, None (in progress) and "expired" included, so they can show the progress; for a
    billing payment an open outcome changes nothing and "expired" closes it as cancelled."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = GatewayEvent.objects.create(
                    gateway=event.gateway, event_id=event.event_id, event_type=event.event_type
                )
        except IntegrityError:
            return "duplicate"
        if event.outcome is not None and event.reference:
            # The gateway's final word: the checkout no longer holds its account's key.
            GatewayCheckout.objects.filter(
                gateway=event.gateway, reference=event.reference, closed_at__isnull=True
            ).update(closed_at=timezone.now())
        payment = (
            Payment.objects.select_related("business", "package")
            .filter(gateway=event.gateway, gateway_reference=event.reference)
            .first()
            if event.reference
            else None
        )
        if payment is None:
            for listener in checkout_listeners():
                handled = listener(event)
                if handled is not None:
                    return handled
            if event.outcome is None:
                return "ignored"
            logger.warning(
                "%s event %s (%s) names no known payment",
                event.gateway,
                event.event_id,
                event.event_type,
            )
            return "unknown_payment"
        GatewayEvent.objects.filter(pk=record.pk).update(payment=payment)
        if event.outcome is None:
            return "ignored"
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


def payment_reconcile(*, business: "Business", payment: Payment) -> Payment:
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
        cancelled = state.outcome in ("cancelled", "expired")
        _payment_close(
            payment=payment,
            status=Status.CANCELLED if cancelled else Status.FAILED,
            action=f"payment.{'cancelled' if cancelled else 'failed'}",
            data={"reason": "reconciled"},
        )
    payment.refresh_from_db()
    return payment

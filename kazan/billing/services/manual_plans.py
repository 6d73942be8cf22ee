"""Plans paid by bank transfer: the open invoice a business pays (with the platform's bank
details and a payment reference), staff confirming that the money arrived, and the renewal job
that invoices the next period before the current one ends, moves an unpaid trial or period to
past due and ends a cancelled subscription at its period's end (decision 0034)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kazan.accounts.types import actor_user
from kazan.activity.services import activity_record
from kazan.billing.error_codes import BillingErrorCode
from kazan.billing.gateways import InvoiceLineData
from kazan.billing.models import (
    Invoice,
    Payment,
    PlanChange,
    PlanPrice,
    PlanSubscription,
    SubscriptionStatus,
)
from kazan.billing.services.invoices import invoice_issue
from kazan.billing.services.payments import payment_mark_paid
from kazan.billing.services.plan_state import (
    period_add,
    plan_description,
    plan_log,
    subscription_end,
    subscription_locked,
)
from kazan.core.errors import Conflict, PermissionDenied

if TYPE_CHECKING:
    from kazan.accounts.types import Actor

logger = logging.getLogger("kazan.billing")

Status = SubscriptionStatus
Kind = PlanChange.Kind
MANUAL = "manual"


def plan_invoice_open(
    *,
    subscription: PlanSubscription,
    description: str,
    amount_minor: int,
    period_start: dt.datetime | None = None,
    period_end: dt.datetime | None = None,
    due_at: dt.datetime | None = None,
    extra_lines: tuple[InvoiceLineData, ...] = (),
    actor: Actor = None,
) -> Invoice:
    """An open plan invoice (net amounts, tax added by invoices) paid by bank transfer, with
    its pending Payment row: staff confirm that one (invoice_payment_confirm). Inside the
    caller's transaction."""
    lines = (
        *extra_lines,
        InvoiceLineData(
            description=description,
            amount_minor=amount_minor,
            period_start=period_start,
            period_end=period_end,
        ),
    )
    invoice = invoice_issue(
        business=subscription.business,
        lines=lines,
        currency=subscription.currency,
        amounts_include_tax=False,
        subscription=subscription,
        period_start=period_start,
        period_end=period_end,
        due_at=due_at,
        gateway=MANUAL,
        actor=actor,
    )
    if invoice.total_minor > 0:
        Payment.objects.create(
            business=subscription.business,
            invoice=invoice,
            gateway=MANUAL,
            amount_minor=invoice.total_minor,
            currency=invoice.currency,
            created_by=actor_user(actor),
            # The invoice, emailed on issue with the bank details, is its pro-forma.
            proforma_sent_at=timezone.now(),
        )
    return invoice


def _open_transfer_invoices() -> QuerySet[Invoice]:
    """Plan invoices waiting for a bank transfer (refunds and paid ones are not)."""
    return Invoice.objects.filter(
        kind=Invoice.Kind.INVOICE, status=Invoice.Status.OPEN, gateway=MANUAL
    )


def _open_invoice(subscription: PlanSubscription) -> Invoice | None:
    return (
        _open_transfer_invoices()
        .filter(subscription=subscription)
        .order_by("-issued_at", "-pk")
        .first()
    )


def manual_checkout_start(
    *, subscription: PlanSubscription, price: PlanPrice, actor: Actor
) -> Invoice:
    """Subscribing by transfer: the chosen plan waits (pending) on an open invoice; the status
    stays (trialing, past due) until staff confirm the payment, which starts the period.
    Asking again for the same plan returns the open invoice. Raises Conflict."""
    with transaction.atomic():
        locked = subscription_locked(subscription.pk)
        if locked.status == Status.ACTIVE:
            raise Conflict(
                _("You are subscribed already: change your plan instead."),
                code=BillingErrorCode.ALREADY_SUBSCRIBED,
            )
        waiting = _open_invoice(locked)
        if waiting is not None:
            if (locked.pending_price_id or locked.price_id) == price.pk:
                return waiting
            raise Conflict(
                _("Invoice %(number)s is still open: pay it, or ask us to cancel it.")
                % {"number": waiting.number},
                code=BillingErrorCode.OPEN_INVOICE,
            )
        locked.pending_plan, locked.pending_price = price.plan, price
        locked.currency = price.currency
        locked.save(update_fields=["pending_plan", "pending_price", "currency", "updated_at"])
        invoice = plan_invoice_open(
            subscription=locked,
            description=plan_description(business=locked.business, price=price),
            amount_minor=price.amount_minor,
            actor=actor,
        )
        activity_record(
            business=locked.business,
            actor=actor,
            action="plan.checkout_started",
            target=locked,
            data={
                "plan": price.plan.key,
                "interval": price.interval,
                "gateway": MANUAL,
                "amount_minor": invoice.total_minor,
                "currency": invoice.currency,
            },
        )
    return invoice


def invoice_payment_confirm(*, invoice: Invoice, actor: Actor) -> Payment:
    """Platform staff confirm that a plan invoice's bank transfer arrived: the payment and the
    invoice are paid, the subscription active for the invoiced period (one interval from now
    for a first payment) and billing's suspension lifted. Twice is harmless (returns the paid
    payment). Raises PermissionDenied, Conflict (void, a credit note, nothing to pay)."""
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied()
    with transaction.atomic():
        # Locked: two confirmations at once find one open invoice, then one paid.
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        paid = invoice.payments.filter(status=Payment.Status.PAID).first()
        if invoice.status == Invoice.Status.PAID and paid is not None:
            return paid
        if invoice.kind != Invoice.Kind.INVOICE or invoice.status != Invoice.Status.OPEN:
            raise Conflict(
                _("Only an open invoice can be confirmed as paid."),
                code=BillingErrorCode.INVOICE_NOT_OPEN,
            )
        payment = invoice.payments.filter(status=Payment.Status.PENDING).first()
        if payment is None:
            payment = Payment.objects.create(
                business_id=invoice.business_id,
                invoice=invoice,
                gateway=invoice.gateway or MANUAL,
                amount_minor=invoice.total_minor,
                currency=invoice.currency,
                created_by=actor_user(actor),
                proforma_sent_at=timezone.now(),
            )
        payment_mark_paid(payment=payment, actor=actor)
    payment.refresh_from_db()
    return payment


# --- the renewal job --------------------------------------------------------------------------


def _each(
    queryset: QuerySet[PlanSubscription],
    step: Callable[[PlanSubscription, dt.datetime], bool],
    now: dt.datetime,
) -> int:
    """Runs `step` on each subscription of `queryset`, locked in its own transaction; `step`
    checks its condition again on the locked row and says whether it acted."""
    done = 0
    for pk in list(queryset.values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                done += step(subscription_locked(pk), now)
        except Exception:
            logger.exception("plan renewal step %s failed for subscription %s", step.__name__, pk)
    return done


def _trial_end(subscription: PlanSubscription, now: dt.datetime) -> bool:
    """A trial over without a paid plan: past due (grace counts from the trial's end); a
    trial cancelled meanwhile ends."""
    ends = subscription.trial_ends_at
    if subscription.status != Status.TRIALING or ends is None or ends > now:
        return False
    if subscription.cancel_at_period_end:
        subscription_end(subscription, reason="trial ended, cancelled")
        return True
    return _past_due_mark(
        subscription, ends, action="plan.trial_ended", reason="trial ended without a paid plan"
    )


def _past_due_mark(
    subscription: PlanSubscription, since: dt.datetime, *, action: str, reason: str
) -> bool:
    """Past due from `since` (the grace period counts from there), logged with the status it
    left; True, the job acted."""
    old = subscription.status
    subscription.status = Status.PAST_DUE
    subscription.past_due_since = since
    subscription.save(update_fields=["status", "past_due_since", "updated_at"])
    plan_log(
        subscription=subscription,
        kind=Kind.PAST_DUE,
        action=action,
        old=old,
        new=Status.PAST_DUE,
        reason=reason,
    )
    return True


def _cancel_reached(subscription: PlanSubscription, now: dt.datetime) -> bool:
    ends = subscription.current_period_end
    if (
        not subscription.cancel_at_period_end
        or subscription.status not in (Status.ACTIVE, Status.PAST_DUE)
        or ends is None
        or ends > now
    ):
        return False
    subscription_end(subscription, reason="cancelled at the period's end")
    return True


def _renewal_invoice(subscription: PlanSubscription, now: dt.datetime) -> bool:
    """The next period's invoice, BILLING_RENEWAL_INVOICE_DAYS before the current one ends,
    due when it ends; at the pending (downgraded) price when one waits. Once per period."""
    end = subscription.current_period_end
    if (
        subscription.status != Status.ACTIVE
        or subscription.gateway != MANUAL
        or subscription.cancel_at_period_end
        or end is None
        or end - dt.timedelta(days=settings.BILLING_RENEWAL_INVOICE_DAYS) > now
        or Invoice.objects.filter(subscription=subscription, period_start=end).exists()
    ):
        return False
    return _renewal_invoice_issue(subscription, now) is not None


def _renewal_invoice_issue(
    subscription: PlanSubscription, now: dt.datetime, actor: Actor = None
) -> Invoice | None:
    end = subscription.current_period_end
    if end is None:
        return None
    price = subscription.pending_price
    amount = price.amount_minor if price is not None else subscription.amount_minor
    interval = price.interval if price is not None else subscription.interval
    if amount <= 0:
        return None
    described = price or subscription.price
    if described is not None:
        description = plan_description(business=subscription.business, price=described)
    else:  # staff's custom terms: no catalog price to describe
        description = subscription.plan.name
    invoice = plan_invoice_open(
        subscription=subscription,
        description=description,
        amount_minor=amount,
        period_start=end,
        period_end=period_add(end, interval or "month"),
        due_at=max(end, now),
        actor=actor,
    )
    activity_record(
        business=subscription.business,
        actor=actor,
        action="plan.renewal_invoiced",
        target=subscription,
        data={
            "due": end.date().isoformat(),
            "amount_minor": invoice.total_minor,
            "currency": invoice.currency,
        },
    )
    return invoice


def renewal_invoice_reissue(
    *, subscription: PlanSubscription, period_start: dt.datetime | None, actor: Actor
) -> Invoice | None:
    """After a plan change of a transfer-paid plan: the open renewal invoice for the period
    from `period_start` (the period's end before the change) still asks the old price. It is
    voided (a credit note of all of it, no refund: nothing was paid) and, when the period
    still ends then, issued again at the price that will apply (the new plan's, or the
    scheduled downgrade's). Inside the caller's transaction, on the locked row. Returns
    the new invoice, None when there was nothing to replace."""
    from kazan.billing.services.credit_notes import credit_note_issue

    if period_start is None:
        return None
    stale = list(
        _open_transfer_invoices().filter(subscription=subscription, period_start=period_start)
    )
    if not stale:
        return None
    with translation.override(subscription.business.language or "en"):
        reason = gettext("the plan changed; a new invoice replaces it")
    for invoice in stale:
        credit_note_issue(
            invoice=invoice, amount_minor=None, reason=reason, actor=actor, refund=False
        )
    if (
        subscription.status != Status.ACTIVE
        or subscription.cancel_at_period_end
        or subscription.current_period_end != period_start
    ):
        return None  # the renewal job invoices the new period ahead, as usual
    return _renewal_invoice_issue(subscription, timezone.now(), actor)


def _period_unpaid(subscription: PlanSubscription, now: dt.datetime) -> bool:
    """A transfer-paid period ended and the next is not paid: past due from its end."""
    end = subscription.current_period_end
    if (
        subscription.status != Status.ACTIVE
        or subscription.gateway != MANUAL
        or subscription.cancel_at_period_end
        or end is None
        or end > now
    ):
        return False
    return _past_due_mark(
        subscription, end, action="plan.past_due", reason="the renewal invoice is unpaid"
    )


def _overdue_invoice(subscription: PlanSubscription, now: dt.datetime) -> Invoice | None:
    return (
        _open_transfer_invoices()
        .filter(subscription=subscription, due_at__lte=now)
        .order_by("due_at", "pk")
        .first()
    )


def _invoice_unpaid(subscription: PlanSubscription, now: dt.datetime) -> bool:
    """An open plan invoice of a running transfer-paid plan (an upgrade's proration) left
    unpaid past its due date: past due from that date, as a renewal would be. Once: the
    status moves, and paying the invoice makes it active again."""
    if subscription.status != Status.ACTIVE or subscription.gateway != MANUAL:
        return False
    invoice = _overdue_invoice(subscription, now)
    if invoice is None or invoice.due_at is None:
        return False
    return _past_due_mark(
        subscription,
        invoice.due_at,
        action="plan.past_due",
        reason=f"invoice {invoice.number} is unpaid",
    )


def plan_renewals_run() -> int:
    """The renewal job (hourly; idempotent, each step re-checked on the locked row): ends
    trials without a paid plan, ends subscriptions cancelled at their period's end, invoices
    transfer-paid renewals ahead and moves unpaid ones (and plan invoices unpaid past their
    due date) to past due. Returns how many acted."""
    now = timezone.now()
    subscriptions = PlanSubscription.objects.all()
    manual = subscriptions.filter(status=Status.ACTIVE, gateway=MANUAL, cancel_at_period_end=False)
    soon = now + dt.timedelta(days=settings.BILLING_RENEWAL_INVOICE_DAYS)
    return (
        _each(
            # A gateway's trial with a card on file is the gateway's to end (a day later: it
            # never charged, e.g. a mandate never authorised).
            subscriptions.filter(status=Status.TRIALING, trial_ends_at__lte=now).filter(
                Q(gateway_subscription_id="") | Q(trial_ends_at__lte=now - dt.timedelta(days=1))
            ),
            _trial_end,
            now,
        )
        + _each(
            subscriptions.filter(
                cancel_at_period_end=True,
                status__in=(Status.ACTIVE, Status.PAST_DUE),
                current_period_end__lte=now,
            ),
            _cancel_reached,
            now,
        )
        + _each(manual.filter(current_period_end__lte=soon), _renewal_invoice, now)
        + _each(manual.filter(current_period_end__lte=now), _period_unpaid, now)
        + _each(
            manual.filter(
                pk__in=_open_transfer_invoices().filter(due_at__lte=now).values("subscription_id")
            ),
            _invoice_unpaid,
            now,
        )
    )

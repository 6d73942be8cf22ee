"""Buying tokens or a premium period with money (seed 004 §3.3.2): the purchase opens a
checkout at the business's gateway (OxaPay, Stripe) through billing's gateway interface; the
gateway's verdict arrives as a webhook event (billing records it once and hands it to
`purchase_checkout_event`) or, when a webhook is lost, through the fallback poll. Both go
through `purchase_outcome_apply`: the purchase row is locked, the status normalised, a paid
amount checked against the price, and the tokens or the period added exactly once (the
TokenEntry reference "purchase:<id>" and the period's one-to-one purchase back it)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from kazan.activity.services import activity_record
from kazan.billing.gateways import CheckoutRequest, GatewayError
from kazan.billing.services import GatewayEventData, PaymentGatewayUnavailable, gateway_configured
from kazan.core.errors import Conflict, NotFound, ValidationFailed
from kazan.core.formatting import number_local
from kazan.wallet.error_codes import WalletErrorCode
from kazan.wallet.models import (
    PremiumPeriod,
    PurchaseStatus,
    TokenEntryKind,
    TokenPurchase,
)
from kazan.wallet.queries import (
    OPEN_STATUSES,
    premium_until,
    token_balance,
    unscoped_purchases_unfinished,
)
from kazan.wallet.services.notices import notice_after_commit, payment_confirmed_text
from kazan.wallet.services.premium import period_add
from kazan.wallet.services.settings import wallet_settings_get
from kazan.wallet.services.tokens import tokens_credit

if TYPE_CHECKING:
    from kazan.customers.models import Customer
    from kazan.tenancy.models import Business

logger = logging.getLogger("kazan.wallet.purchases")

# What a gateway's own words for a still-open checkout mean (OxaPay's statuses, lower case).
OPEN_WORDS = {
    "waiting": PurchaseStatus.PENDING,
    "new": PurchaseStatus.PENDING,
    "confirming": PurchaseStatus.CONFIRMING,
    "paying": PurchaseStatus.CONFIRMING,
}
CLOSED = {
    "failed": PurchaseStatus.FAILED,
    "cancelled": PurchaseStatus.CANCELLED,
    "expired": PurchaseStatus.EXPIRED,
}
# A pending checkout the gateway still calls open is closed locally this long after it expired.
EXPIRY_GRACE = dt.timedelta(minutes=30)
# TokenPurchase.amount_minor is a 32-bit integer on PostgreSQL.
MAX_AMOUNT_MINOR = 2**31 - 1
NO_PAY_PAGE = gettext_noop(
    "This shop's payment method has no online payment page. Please ask the shop how to pay."
)


def purchase_start(
    *,
    business: Business,
    customer: Customer,
    tokens: int | None = None,
    purpose: str = TokenPurchase.Purpose.TOKENS,
    return_url: str = "",
) -> TokenPurchase:
    """Opens a checkout for `tokens` (a predefined amount, or any in [topup_min, topup_max])
    or for one premium period, and returns the purchase with its `pay_url`. ValidationFailed
    for an amount out of range; Conflict when the gateway cannot take the payment."""
    if customer.business_id != business.pk:
        raise NotFound()
    settings = wallet_settings_get(business=business)
    if purpose == TokenPurchase.Purpose.PREMIUM:
        tokens, amount_minor = 0, settings.premium_price_minor
    elif purpose == TokenPurchase.Purpose.TOKENS:
        if tokens is None or (
            tokens not in (settings.topup_amounts or [])
            and not settings.topup_min <= tokens <= settings.topup_max
        ):
            raise ValidationFailed(
                _("Choose between %(min)s and %(max)s tokens.")
                % {
                    "min": number_local(settings.topup_min),
                    "max": number_local(settings.topup_max),
                },
                code=WalletErrorCode.INVALID_AMOUNT,
            )
        amount_minor = tokens * settings.token_price_minor
    else:
        raise ValidationFailed(code=WalletErrorCode.INVALID_AMOUNT)
    if not 0 < amount_minor <= MAX_AMOUNT_MINOR:
        # The settings form keeps prices in range; older settings may not be.
        raise ValidationFailed(
            _("This amount cannot be paid online. Please choose fewer tokens."),
            code=WalletErrorCode.INVALID_AMOUNT,
        )
    try:
        gateway = gateway_configured(settings.gateway)
    except PaymentGatewayUnavailable:
        raise Conflict(
            _("Online payment is not available right now."),
            code=WalletErrorCode.PAYMENT_UNAVAILABLE,
        ) from None
    if not getattr(gateway, "redirects", False):
        # A gateway without a payment page (manual) cannot take a customer's payment.
        raise Conflict(_(NO_PAY_PAGE), code=WalletErrorCode.PAYMENT_UNAVAILABLE)
    with transaction.atomic():
        purchase = TokenPurchase.objects.create(
            business=business,
            customer=customer,
            purpose=purpose,
            tokens=tokens,
            amount_minor=amount_minor,
            currency=settings.currency.upper(),
            gateway=settings.gateway,
            expires_at=timezone.now() + dt.timedelta(minutes=settings.invoice_lifetime_minutes),
        )
        activity_record(
            business=business,
            actor=None,
            action="token_purchase.started",
            target=purchase,
            data={"tokens": tokens, "amount_minor": amount_minor, "currency": purchase.currency},
            actor_kind="customer",
        )
    return_url = return_url or django_settings.PUBLIC_URL + "/"
    with translation.override(business.language):
        description = (
            _("Premium at %(shop)s") % {"shop": business.name}
            if purpose == TokenPurchase.Purpose.PREMIUM
            else _("%(tokens)s tokens at %(shop)s")
            % {"tokens": number_local(tokens), "shop": business.name}
        )
    try:
        result = gateway.checkout_start(
            CheckoutRequest(
                payment_id=purchase.pk,
                business_id=business.pk,
                package_key="",
                description=description,
                amount_minor=amount_minor,
                currency=purchase.currency,
                success_url=return_url,
                cancel_url=return_url,
                idempotency_key=f"kazan-wallet-{purchase.pk}",
                metadata={"kind": "wallet", "purchase_id": str(purchase.pk)},
                lifetime_minutes=settings.invoice_lifetime_minutes,
            )
        )
    except GatewayError as exc:
        logger.warning("checkout for token purchase %s failed: %s", purchase.pk, exc.message)
        TokenPurchase.objects.filter(pk=purchase.pk).update(
            status=PurchaseStatus.FAILED, gateway_status="start_failed", closed_at=timezone.now()
        )
        raise Conflict(
            _("The payment could not be started. Please try again in a moment."),
            code=WalletErrorCode.PAYMENT_UNAVAILABLE,
        ) from None
    if not result.redirect_url:
        logger.warning("checkout for token purchase %s: no payment page", purchase.pk)
        TokenPurchase.objects.filter(pk=purchase.pk).update(
            reference=result.reference,
            status=PurchaseStatus.FAILED,
            gateway_status="no_redirect",
            closed_at=timezone.now(),
        )
        raise Conflict(_(NO_PAY_PAGE), code=WalletErrorCode.PAYMENT_UNAVAILABLE)
    TokenPurchase.objects.filter(pk=purchase.pk).update(
        reference=result.reference, pay_url=result.redirect_url
    )
    purchase.reference, purchase.pay_url = result.reference, result.redirect_url
    return purchase


def _fulfil(purchase: TokenPurchase) -> bool:
    """Adds what a paid purchase bought, unless it was added already. True when added now."""
    business, customer = purchase.business, purchase.customer
    if purchase.purpose == TokenPurchase.Purpose.PREMIUM:
        if PremiumPeriod.objects.filter(purchase=purchase).exists():
            return False
        settings = wallet_settings_get(business=business)
        period_add(
            business=business,
            customer=customer,
            days=settings.premium_days,
            source=PremiumPeriod.Source.GATEWAY,
            purchase=purchase,
        )
        return True
    return (
        tokens_credit(
            business=business,
            customer=customer,
            amount=purchase.tokens,
            kind=TokenEntryKind.PURCHASE,
            reference=f"purchase:{purchase.pk}",
        )
        is not None
    )


def purchase_outcome_apply(
    *,
    purchase_id: int,
    outcome: str | None,
    amount_minor: int | None,
    currency: str,
    gateway_status: str,
) -> str:
    """Applies the gateway's word on a purchase (from a webhook or a poll), at most once in
    effect. Returns "applied", "unchanged" or "mismatch" (paid with another amount or
    currency: nothing credited, the purchase flagged for reconciliation)."""
    with transaction.atomic():
        purchase = (
            TokenPurchase.objects.select_for_update()
            .select_related("business", "customer")
            .filter(pk=purchase_id)
            .first()
        )
        if purchase is None:
            return "unchanged"
        now = timezone.now()
        fields: dict[str, Any] = {}
        if outcome is not None or purchase.status in OPEN_STATUSES:
            # A late in-progress word ("Paying") never overwrites a final purchase's status.
            fields["gateway_status"] = gateway_status[:32]
        result = "unchanged"
        if outcome == "paid":
            if amount_minor != purchase.amount_minor or currency.upper() != purchase.currency:
                logger.error("token purchase %s: paid amount does not match", purchase.pk)
                if purchase.status != PurchaseStatus.PAID:
                    # Flagged for reconciliation (paid_amount_minor set) and closed: the
                    # fallback poll no longer asks about it.
                    fields["paid_amount_minor"] = amount_minor
                    fields["closed_at"] = now
                    activity_record(
                        business=purchase.business,
                        actor=None,
                        action="token_purchase.mismatch",
                        target=purchase,
                        data={"amount_minor": amount_minor, "currency": currency.upper()[:3]},
                    )
                result = "mismatch"
            else:
                if purchase.status != PurchaseStatus.PAID:
                    fields.update(
                        status=PurchaseStatus.PAID, paid_at=now, paid_amount_minor=amount_minor
                    )
                    activity_record(
                        business=purchase.business,
                        actor=None,
                        action="token_purchase.paid",
                        target=purchase,
                        data={"tokens": purchase.tokens, "purpose": purchase.purpose},
                    )
                if _fulfil(purchase):
                    result = "applied"
                    _confirm(purchase)
        elif outcome in CLOSED:
            if purchase.status in OPEN_STATUSES:
                fields.update(status=CLOSED[outcome], closed_at=now)
                activity_record(
                    business=purchase.business,
                    actor=None,
                    action="token_purchase.closed",
                    target=purchase,
                    data={"status": CLOSED[outcome]},
                )
                result = "applied"
        elif outcome is None:
            status = OPEN_WORDS.get(gateway_status.lower())
            if status and purchase.status in OPEN_STATUSES and status != purchase.status:
                fields["status"] = status
                result = "applied"
        if fields:
            TokenPurchase.objects.filter(pk=purchase.pk).update(**fields)
        return result


def _confirm(purchase: TokenPurchase) -> None:
    business, customer = purchase.business, purchase.customer

    def render() -> str:
        return payment_confirmed_text(
            purchase,
            token_balance(business=business, customer=customer),
            premium_until(business=business, customer=customer),
        )

    notice_after_commit(
        business=business, customer=customer, key=f"wallet-paid:{purchase.pk}", render=render
    )


def purchase_checkout_event(event: GatewayEventData) -> str | None:
    """Billing's checkout listener: an event about a token purchase's checkout. None when the
    reference is no purchase's (another listener or billing takes it)."""
    if not event.reference:
        return None
    purchase_id = (
        TokenPurchase.objects.filter(gateway=event.gateway, reference=event.reference)
        .values_list("pk", flat=True)
        .first()
    )
    if purchase_id is None:
        return None
    return purchase_outcome_apply(
        purchase_id=purchase_id,
        outcome=event.outcome,
        amount_minor=event.amount_minor,
        currency=event.currency,
        gateway_status=event.event_type,
    )


def purchase_recheck(*, business: Business, purchase: TokenPurchase) -> str:
    """Asks the gateway about one purchase now and applies its answer (the reconciliation
    page's button, the fallback poll). Returns what happened, or "unreachable"."""
    if purchase.business_id != business.pk:
        raise NotFound()
    TokenPurchase.objects.filter(pk=purchase.pk).update(last_polled_at=timezone.now())
    state = None
    if purchase.reference:
        try:
            state = gateway_configured(purchase.gateway).checkout_state(purchase.reference)
        except GatewayError as exc:
            logger.warning("token purchase %s: the gateway did not answer (%s)", purchase.pk, exc)
            if exc.transient:
                return "unreachable"
            # A permanent refusal (an unknown invoice, a removed key): only the local expiry
            # can close the purchase, or it would be asked about forever.
        except PaymentGatewayUnavailable as exc:
            logger.warning("token purchase %s: the gateway is not available (%s)", purchase.pk, exc)
    if state is not None and (state.outcome is not None or state.gateway_status):
        result = purchase_outcome_apply(
            purchase_id=purchase.pk,
            outcome=state.outcome,
            amount_minor=state.amount_minor,
            currency=state.currency,
            gateway_status=state.gateway_status or state.outcome or "",
        )
        if state.outcome is not None:
            return result
        purchase.refresh_from_db()
    if purchase.status == PurchaseStatus.PAID:
        # Paid but maybe not credited (a failure after the status was saved): finish it.
        return purchase_outcome_apply(
            purchase_id=purchase.pk,
            outcome="paid",
            amount_minor=purchase.paid_amount_minor,
            currency=purchase.currency,
            gateway_status=purchase.gateway_status,
        )
    if (
        purchase.status == PurchaseStatus.PENDING
        and purchase.expires_at is not None
        and purchase.expires_at + EXPIRY_GRACE < timezone.now()
    ):
        return purchase_outcome_apply(
            purchase_id=purchase.pk,
            outcome="expired",
            amount_minor=None,
            currency="",
            gateway_status=purchase.gateway_status or "expired",
        )
    return "unchanged"


def unscoped_purchases_poll(*, min_age: dt.timedelta = dt.timedelta(minutes=2)) -> int:
    """The fallback job: asks the gateway about every open purchase not polled for `min_age`
    (a lost webhook still credits; an expired invoice closes). Returns how many changed."""
    changed = 0
    for purchase in unscoped_purchases_unfinished(older_than=timezone.now() - min_age):
        if purchase_recheck(business=purchase.business, purchase=purchase) == "applied":
            changed += 1
    return changed

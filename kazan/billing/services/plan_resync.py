"""Reconciliation of gateway-held plan subscriptions whose webhooks were lost (decision 0034).

A gateway retries a webhook for a while (Stripe about three days, Razorpay 24 hours); past that,
a lost event would leave the plan in its last state for ever. Once a day the subscriptions that
look overdue for news (queries.plans.subscriptions_overdue_for_news) are asked for at their
gateway (SubscriptionGateway.subscription_fetch: the subscription's state and its latest invoice
when paid) and the answer is applied as the webhooks are, by subscription_event_apply: once per
observed state and per invoice, with the same staleness, log, activity and suspension rules. A
paid invoice is recorded once whether reconciliation or the gateway's own late webhook brings it
first (invoice_issue finds it by the gateway invoice id)."""

from __future__ import annotations

import logging

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from kazan.billing.gateways import (
    GatewayError,
    SubscriptionFetched,
    SubscriptionGateway,
    subscription_gateway_get,
)
from kazan.billing.models import Invoice, PlanSubscription
from kazan.billing.queries.plans import subscriptions_overdue_for_news
from kazan.billing.services.plan_events import subscription_event_apply
from kazan.billing.services.plan_state import subscription_locked

logger = logging.getLogger("kazan.billing")

# What a fetched state can move on our row: a difference after applying it is a change.
_STATE_FIELDS = (
    "status",
    "plan_id",
    "price_id",
    "pending_plan_id",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "ended_at",
    "past_due_since",
    "gateway_subscription_id",
    "gateway_customer_id",
)


def _state(subscription: PlanSubscription) -> tuple[object, ...]:
    return tuple(getattr(subscription, name) for name in _STATE_FIELDS)


def _recorded(fetched: SubscriptionFetched) -> bool:
    """Whether the fetched latest invoice is recorded as ours (a change when it was not)."""
    invoice = fetched.invoice
    return invoice is not None and (
        Invoice.objects.filter(
            gateway=invoice.gateway, gateway_invoice_id=invoice.gateway_invoice_id
        ).exists()
    )


def plan_subscriptions_resync() -> int:
    """Asks each gateway-held subscription overdue for news for its current state and latest
    invoice and applies them. A subscription whose gateway fails or is not configured is logged
    and skipped; the others go on. Returns how many subscriptions changed (their state moved or
    the invoice was recorded)."""
    gateways: dict[str, SubscriptionGateway] = {}
    changed = 0
    for pk, gateway_key, gateway_subscription_id in subscriptions_overdue_for_news(
        now=timezone.now()
    ):
        try:
            if gateway_key not in gateways:
                gateways[gateway_key] = subscription_gateway_get(gateway_key)
            fetched = gateways[gateway_key].subscription_fetch(
                gateway_subscription_id=gateway_subscription_id
            )
        except GatewayError as exc:
            logger.warning(
                "plan subscription %s: %s could not be asked for its state: %s (transient=%s)",
                pk,
                gateway_key,
                exc.message,
                exc.transient,
            )
            continue
        except ImproperlyConfigured:
            logger.warning(
                "plan subscription %s: gateway %s is not configured, not reconciled",
                pk,
                gateway_key,
            )
            continue
        except Exception:
            # An answer the gateway code could not read (an SDK or API change): this one is
            # asked again tomorrow, the others go on.
            logger.exception(
                "plan subscription %s: what %s answered could not be read", pk, gateway_key
            )
            continue
        # The fetch is outside any transaction (no lock held over the network); the row is
        # locked before and read after applying, so the comparison sees this change only. The
        # state first (period, cancellation, end), then the latest invoice's outcome (our
        # invoice recorded, a past-due plan active again), as the gateway's webhooks come.
        try:
            with transaction.atomic():
                before = (_state(subscription_locked(pk)), _recorded(fetched))
                # Found by the gateway's subscription id only: no metadata id links another row.
                # An invoice recorded here already (its webhook came) is "ignored".
                results = [
                    subscription_event_apply(event=event, metadata_business_id=None)
                    for event in fetched.events
                ]
                after = (_state(PlanSubscription.objects.get(pk=pk)), _recorded(fetched))
        except Exception:
            # Nothing of this subscription is kept (asked again tomorrow); the others go on.
            logger.exception(
                "plan subscription %s: what %s said could not be applied", pk, gateway_key
            )
            continue
        if "applied" in results and before != after:
            changed += 1
            logger.info(
                "plan subscription %s brought up to date from %s (%s)",
                pk,
                gateway_key,
                ", ".join(event.event_id for event in fetched.events),
            )
    return changed

"""Billing's answer to "may this business do X now?" (kazan.core.entitlements, decision 0033).

The business's plan subscription holds the terms (its plan's limits under staff's overrides).
Counts of kept things (FAQs, products, channels, team members) come from the owning apps'
registered counters and are checked while the subscription row is locked, inside the caller's
transaction, so two adds at the boundary queue behind each other. Monthly quotas (messages,
AI messages) move by one conditional UPDATE of their UsageCounter row, so concurrent takers
never overshoot and a refused take counts nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from kazan.activity.services import activity_record
from kazan.billing.models import PlanChange, PlanSubscription, UsageCounter
from kazan.billing.queries.limits import usage_period
from kazan.billing.queries.plans import (
    ANALYTICS_DAYS,
    PLAN_FIELDS,
    USABLE_STATUSES,
    plan_by_key,
    plan_subscription_get,
    plan_terms,
    subscription_terms,
)
from kazan.billing.services.plan_subscriptions import plan_subscription_for
from kazan.core.db import insert_or_fetch
from kazan.core.entitlements import (
    Capability,
    Limit,
    PlanFeatureUnavailable,
    PlanLimitReached,
    Quota,
    SubscriptionInactive,
    usage_count,
)
from kazan.core.errors import ValidationFailed
from kazan.core.formatting import number_local

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business

# Staff may override a count up to this (a bigger one is a typo; leave it empty for the plan's).
OVERRIDE_MAX = 10_000_000
CAPABILITY_KEYS = frozenset(Capability)


def upgrade_url() -> str:
    """Where a refused business goes to upgrade: the plans page (the billing overview until the
    plans page exists)."""
    try:
        path = reverse("billing:plans")
    except NoReverseMatch:
        path = reverse("billing:overview")
    return settings.PUBLIC_URL + path


def limit_message(key: str, limit: int) -> str:
    """ "Your plan allows 50 FAQs. Upgrade your plan to add more." — naming the thing."""
    count = number_local(limit)
    if key == Limit.FAQS:
        text = ngettext(
            "Your plan allows %(count)s FAQ.", "Your plan allows %(count)s FAQs.", limit
        )
    elif key == Limit.PRODUCTS:
        text = ngettext(
            "Your plan allows %(count)s product.", "Your plan allows %(count)s products.", limit
        )
    elif key == Limit.CHANNELS:
        text = ngettext(
            "Your plan allows %(count)s connected channel.",
            "Your plan allows %(count)s connected channels.",
            limit,
        )
    elif key == Limit.TEAM_MEMBERS:
        text = ngettext(
            "Your plan allows %(count)s team member.",
            "Your plan allows %(count)s team members.",
            limit,
        )
    elif key == Quota.MESSAGES:
        text = ngettext(
            "Your plan allows %(count)s message a month, and this month's are used up.",
            "Your plan allows %(count)s messages a month, and this month's are used up.",
            limit,
        )
    else:
        text = ngettext(
            "Your plan allows %(count)s AI answer a month, and this month's are used up.",
            "Your plan allows %(count)s AI answers a month, and this month's are used up.",
            limit,
        )
    if key in (Quota.MESSAGES, Quota.AI_MESSAGES):
        return (text % {"count": count}) + " " + gettext("Upgrade your plan for more.")
    return (text % {"count": count}) + " " + gettext("Upgrade your plan to add more.")


def _capability_message(key: str) -> str:
    if key == Capability.API_ACCESS:
        return gettext("Your plan does not include API access. Upgrade your plan to use it.")
    return gettext("Your plan does not include white label. Upgrade your plan to use it.")


def _inactive() -> SubscriptionInactive:
    return SubscriptionInactive(
        gettext(
            "This business's subscription is not active, so this is not possible now. "
            "Settle the open invoice to continue."
        ),
        upgrade_url=upgrade_url(),
    )


def _usable(subscription: PlanSubscription) -> PlanSubscription:
    if subscription.status not in USABLE_STATUSES:
        raise _inactive()
    return subscription


def _terms_read(business: Business) -> tuple[bool, dict[str, int | bool | None]]:
    """Whether the business may use its plan now, and its terms, without writing: before its
    trial was started (a legacy business, a landing-page visit, the nightly purge), the trial
    plan's terms as if trialing. Only a write (limit_check, quota_take) starts the trial."""
    subscription = plan_subscription_get(business=business)
    if subscription is not None:
        return subscription.status in USABLE_STATUSES, subscription_terms(subscription=subscription)
    plan = plan_by_key(key=settings.BILLING_TRIAL_PLAN)
    if plan is None:
        raise LookupError(f"The trial plan {settings.BILLING_TRIAL_PLAN!r} does not exist.")
    return True, plan_terms(plan=plan)


def _refused(key: str, limit: int) -> PlanLimitReached:
    return PlanLimitReached(
        limit_message(key, limit), key=key, limit=limit, upgrade_url=upgrade_url()
    )


class BillingEntitlements:
    """Registered in BillingConfig.ready as kazan.core.entitlements' answer."""

    def limit_check(self, *, business: Business, key: Limit, adding: int) -> None:
        with transaction.atomic():
            # Locked until the caller's transaction ends: a concurrent add waits here and then
            # counts what this one added.
            locked = PlanSubscription.objects.select_for_update(of=("self",)).select_related("plan")
            subscription = locked.filter(business=business).first()
            if subscription is None:
                plan_subscription_for(business)  # the trial, on first need
                subscription = locked.get(business=business)
            _usable(subscription)
            limit = subscription_terms(subscription=subscription)[key]
            if limit is None or adding <= 0:
                return
            if usage_count(business=business, key=key) + adding > int(limit):
                raise _refused(key, int(limit))

    def quota_take(self, *, business: Business, key: Quota, amount: int) -> None:
        if amount <= 0:
            raise ValidationFailed(gettext("Take at least one."))
        subscription = _usable(plan_subscription_for(business))
        raw = subscription_terms(subscription=subscription)[key]
        limit = None if raw is None else int(raw)
        period = usage_period(business=business)
        rows = UsageCounter.objects.filter(business=business, quota=key, period=period)
        if limit is not None and amount > limit:
            raise _refused(key, limit)
        allowed = rows if limit is None else rows.filter(used__lte=limit - amount)
        if allowed.update(used=F("used") + amount):
            return
        # No row was updated: the month's row is full, or it did not exist yet. Only a missing
        # row is inserted (a failed INSERT is an ERROR line in PostgreSQL's log for every
        # refused message); a row that exists now may have been made by a concurrent first
        # taker since the update above, so one more conditional update decides.
        if not rows.exists():
            _counter, inserted = insert_or_fetch(
                lambda: UsageCounter.objects.create(
                    business=business, quota=key, period=period, used=amount
                ),
                lambda: rows.first(),
            )
            if inserted:
                return
        if allowed.update(used=F("used") + amount):
            return
        raise _refused(key, int(limit or 0))

    def quota_give_back(self, *, business: Business, key: Quota, amount: int) -> None:
        if amount <= 0:
            return
        UsageCounter.objects.filter(
            business=business, quota=key, period=usage_period(business=business), used__gte=amount
        ).update(used=F("used") - amount)

    def capability_has(self, *, business: Business, key: Capability) -> bool:
        usable, terms = _terms_read(business)
        return usable and bool(terms[key])

    def capability_require(self, *, business: Business, key: Capability) -> None:
        usable, terms = _terms_read(business)
        if not usable:
            raise _inactive()
        if not terms[key]:
            raise PlanFeatureUnavailable(
                _capability_message(key), key=key, upgrade_url=upgrade_url()
            )

    def limit_of(self, *, business: Business, key: Limit | Quota) -> int | None:
        value = _terms_read(business)[1][key]
        return None if value is None else int(value)

    def analytics_since(self, *, business: Business) -> dt.datetime | None:
        days = _terms_read(business)[1][ANALYTICS_DAYS]
        return None if days is None else timezone.now() - dt.timedelta(days=int(days))

    def subscription_require_active(self, *, business: Business) -> None:
        if not _terms_read(business)[0]:
            raise _inactive()

    def subscribed(self, *, business: Business) -> bool:
        return PlanSubscription.objects.filter(business=business).exists()


def _override_clean(key: str, value: object) -> int | bool | None:
    if key not in PLAN_FIELDS:
        raise ValidationFailed(gettext("Unknown limit: %(key)s.") % {"key": key})
    if key in CAPABILITY_KEYS:
        if not isinstance(value, bool):
            raise ValidationFailed(gettext("Say yes or no for %(key)s.") % {"key": key})
        return value
    if value is None:
        return None  # unlimited
    low = 1 if key == ANALYTICS_DAYS else 0  # 0 days would delete all analytics history
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= OVERRIDE_MAX:
        raise ValidationFailed(
            gettext("A limit is a whole number from %(min)s to %(max)s.")
            % {"min": number_local(low), "max": number_local(OVERRIDE_MAX)}
        )
    return value


def plan_overrides_set(
    *,
    business: Business,
    overrides: dict[str, int | bool | None],
    reason: str,
    actor: Actor,
) -> PlanSubscription:
    """Staff's custom limits for one business (an Enterprise contract, a goodwill extra): the
    whole set, replacing the previous one; a key left out follows the plan, a count of None is
    unlimited. Logged as TERMS_CHANGED with old → new and the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(gettext("Say why the limits change."))
    cleaned = {key: _override_clean(key, value) for key, value in overrides.items()}
    plan_subscription_for(business)
    with transaction.atomic():
        subscription = PlanSubscription.objects.select_for_update().get(business=business)
        before = dict(subscription.limit_overrides or {})
        if before == cleaned:
            return subscription
        subscription.limit_overrides = cleaned
        subscription.save(update_fields=["limit_overrides", "updated_at"])
        PlanChange.objects.create(
            business=business,
            subscription=subscription,
            kind=PlanChange.Kind.TERMS_CHANGED,
            old_value=json.dumps(before, sort_keys=True)[:200],
            new_value=json.dumps(cleaned, sort_keys=True)[:200],
            reason=reason[:500],
            changed_by=cast("User", actor) if getattr(actor, "is_authenticated", False) else None,
        )
        activity_record(
            business=business,
            actor=actor,
            action="plan.limits_changed",
            target=subscription,
            data={"old": before, "new": cleaned, "reason": reason[:500]},
        )
    return subscription

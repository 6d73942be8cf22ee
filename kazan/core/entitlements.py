"""The one question every feature asks: may this business do X now? (decision 0033)

Billing answers it from the business's plan and subscription. Apps below billing in the layers
(tenancy's team and API keys, analytics, messaging) cannot import billing, so this module is the
port: the enums, the errors and thin functions that forward to the answer billing registers when
Django starts (`entitlements_register`). Every app, above or below billing, asks through here;
apps that own a countable thing register how to count it (`usage_counter_register`), so billing
can show usage and refuse a downgrade below it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext_lazy as _

from kazan.core.errors import ErrorCode, KazanError

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


class Limit(StrEnum):
    """Things a business keeps, counted now (a plan allows so many)."""

    FAQS = "faqs"
    PRODUCTS = "products"
    CHANNELS = "channels"  # connected numbers and bots (WhatsApp lines, Telegram bots, SMS)
    TEAM_MEMBERS = "team_members"  # members and open invitations


class Quota(StrEnum):
    """Things a business uses up per calendar month (its own time zone)."""

    MESSAGES = "messages"  # customer messages the bots answer
    AI_MESSAGES = "ai_messages"  # answers written by the LLM agent


class Capability(StrEnum):
    """Things a plan has or has not."""

    API_ACCESS = "api_access"  # API keys (integrations); the widget's publishable key is not
    WHITE_LABEL = "white_label"  # customer pages and emails without Kazan's name


class EntitlementErrorCode(ErrorCode):
    PLAN_LIMIT_REACHED = "plan_limit_reached"
    PLAN_FEATURE_UNAVAILABLE = "plan_feature_unavailable"
    SUBSCRIPTION_INACTIVE = "subscription_inactive"


class PlanLimitReached(KazanError):
    """At the plan's limit: the action is refused; the message says which and links the upgrade
    (`upgrade_url`). The API answers 402 with the code, the limit and the URL."""

    code: ErrorCode = EntitlementErrorCode.PLAN_LIMIT_REACHED
    status = 402
    default_message = _("Your plan's limit is reached. Upgrade your plan to do more.")

    def __init__(
        self,
        message: str | None = None,
        *,
        key: str = "",
        limit: int | None = None,
        upgrade_url: str = "",
    ) -> None:
        super().__init__(message)
        self.key = key
        self.limit = limit
        self.upgrade_url = upgrade_url


class PlanFeatureUnavailable(PlanLimitReached):
    """The plan does not include the capability (API access, white label): 403."""

    code: ErrorCode = EntitlementErrorCode.PLAN_FEATURE_UNAVAILABLE
    status = 403
    default_message = _("Your plan does not include this. Upgrade your plan to use it.")


class SubscriptionInactive(PlanLimitReached):
    """The business's subscription is suspended or ended: 402 until it pays."""

    code: ErrorCode = EntitlementErrorCode.SUBSCRIPTION_INACTIVE
    status = 402
    default_message = _("This business's subscription is not active. Please settle the bill.")


@dataclass(frozen=True)
class Usage:
    key: str  # a Limit or Quota value
    used: int
    limit: int | None  # None: unlimited


class Entitlements(Protocol):
    """What billing registers (kazan.billing.services.limits)."""

    def limit_check(self, *, business: Business, key: Limit, adding: int) -> None: ...

    def quota_take(self, *, business: Business, key: Quota, amount: int) -> None: ...

    def quota_give_back(self, *, business: Business, key: Quota, amount: int) -> None: ...

    def capability_require(self, *, business: Business, key: Capability) -> None: ...

    def capability_has(self, *, business: Business, key: Capability) -> bool: ...

    def limit_of(self, *, business: Business, key: Limit | Quota) -> int | None: ...

    def analytics_since(self, *, business: Business) -> dt.datetime | None: ...

    def subscription_require_active(self, *, business: Business) -> None: ...

    def subscribed(self, *, business: Business) -> bool: ...


_answer: list[Entitlements] = []
_counters: dict[Limit, Callable[[Business], int]] = {}


def entitlements_register(answer: Entitlements) -> None:
    """Billing's AppConfig.ready registers its answer (a second call replaces the first)."""
    _answer[:] = [answer]


def _entitlements() -> Entitlements:
    if not _answer:
        raise RuntimeError("No entitlements registered: is kazan.billing installed?")
    return _answer[0]


def usage_counter_register(key: Limit, count: Callable[[Business], int]) -> None:
    """The app owning a countable thing registers how to count a business's (AppConfig.ready)."""
    _counters[key] = count


def usage_count(*, business: Business, key: Limit) -> int:
    """How many `key` the business has now (0 when no app counts it)."""
    count = _counters.get(key)
    return count(business) if count is not None else 0


def plan_allows(*, business: Business, key: Limit, adding: int = 1) -> None:
    """Refuses (PlanLimitReached) when `adding` more `key` would exceed the plan's limit, or
    SubscriptionInactive when the business's subscription is suspended or ended.

    Call inside the transaction that adds them: it locks the business's subscription row, so
    two concurrent adds at the boundary cannot both pass."""
    _entitlements().limit_check(business=business, key=key, adding=adding)


def quota_take(*, business: Business, key: Quota, amount: int = 1) -> None:
    """Counts `amount` of this month's `key` if the plan allows it (one conditional UPDATE:
    concurrent takers never overshoot), else raises PlanLimitReached and counts nothing."""
    _entitlements().quota_take(business=business, key=key, amount=amount)


def quota_give_back(*, business: Business, key: Quota, amount: int = 1) -> None:
    """Returns `amount` of this month's `key` taken for something that then did not happen (a
    provider's retry, a message nobody will answer); never below 0."""
    _entitlements().quota_give_back(business=business, key=key, amount=amount)


def plan_has(*, business: Business, key: Capability) -> bool:
    return _entitlements().capability_has(business=business, key=key)


def plan_require(*, business: Business, key: Capability) -> None:
    """PlanFeatureUnavailable (403) when the plan lacks `key`."""
    _entitlements().capability_require(business=business, key=key)


def plan_limit(*, business: Business, key: Limit | Quota) -> int | None:
    """The business's limit for `key` now (None: unlimited)."""
    return _entitlements().limit_of(business=business, key=key)


def analytics_since(*, business: Business) -> dt.datetime | None:
    """The oldest moment the business's plan shows analytics for (None: all history)."""
    return _entitlements().analytics_since(business=business)


def plan_subscribed(*, business: Business) -> bool:
    """Whether the business's plan subscription (its trial at least) has started. The read
    questions above answer with the trial plan's terms before it has, and start nothing."""
    return _entitlements().subscribed(business=business)


def subscription_require_active(*, business: Business) -> None:
    """SubscriptionInactive (402) when the subscription is suspended or ended."""
    _entitlements().subscription_require_active(business=business)

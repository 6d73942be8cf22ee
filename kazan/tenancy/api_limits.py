"""The API's rate limits (seed 002): 30 requests a minute per user or API key, and a daily
quota per business (`Business.api_daily_quota`), announced on every answer of a limited router:

    X-RateLimit-Limit      requests allowed in the current minute window
    X-RateLimit-Remaining  requests left before a 429 (the minute's or the day's, the fewer)
    X-RateLimit-Reset      seconds until that allowance renews
    X-RateLimit-Daily-Limit / X-RateLimit-Daily-Remaining   the business's day

A refused request is a 429 `rate_limited` with `Retry-After`. One call applies all of it to a
router: `api_limits_apply(router)` (a ninja throttle, which runs after authentication so it
knows the caller, plus a decorator that writes the headers). Counts live in core.ratelimit's
shared store, so they hold across processes."""

import datetime as dt
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router
from ninja.throttling import BaseThrottle

from kazan.core.api import ErrorOut
from kazan.core.ratelimit import ratelimit_hit_window

WINDOW_SECONDS = 60


def per_minute() -> int:
    return int(getattr(settings, "API_RATE_LIMIT_PER_MINUTE", 30))


@dataclass(frozen=True)
class ApiAllowance:
    limit: int
    remaining: int
    reset_seconds: int
    daily_limit: int
    daily_remaining: int
    refused: bool

    def headers(self) -> dict[str, str]:
        out = {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_seconds),
            "X-RateLimit-Daily-Limit": str(self.daily_limit),
            "X-RateLimit-Daily-Remaining": str(self.daily_remaining),
        }
        if self.refused:
            out["Retry-After"] = str(self.reset_seconds)
        return out


def _caller_key(principal: Any) -> str | None:
    api_key = getattr(principal, "api_key", None)
    if api_key is not None:
        return f"api:key:{api_key.pk}"
    user = getattr(principal, "user", None)
    if user is not None and getattr(user, "pk", None):
        return f"api:user:{user.pk}"
    return None


def api_allowance_take(*, principal: Any) -> ApiAllowance | None:
    """Counts one request of the principal (a member's session or an API key) against its
    minute and its business's day; a request refused by the minute does not use the day."""
    caller = _caller_key(principal)
    business = getattr(principal, "business", None)
    if caller is None or business is None:
        return None
    limit = per_minute()
    hits, reset = ratelimit_hit_window(caller, window_seconds=WINDOW_SECONDS)
    daily_limit = int(business.api_daily_quota)
    now = timezone.now()
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    day_seconds = max(1, int((midnight - now).total_seconds()))
    if hits > limit:
        return ApiAllowance(limit, 0, reset, daily_limit, -1, True)
    day_hits, _day_reset = ratelimit_hit_window(
        f"api:day:{business.pk}:{now.date().isoformat()}", window_seconds=day_seconds
    )
    daily_remaining = max(0, daily_limit - day_hits)
    if day_hits > daily_limit:
        return ApiAllowance(limit, 0, day_seconds, daily_limit, 0, True)
    remaining = max(0, limit - hits)
    if daily_remaining < remaining:
        return ApiAllowance(
            limit, daily_remaining, day_seconds, daily_limit, daily_remaining, False
        )
    return ApiAllowance(limit, remaining, reset, daily_limit, daily_remaining, False)


class ApiLimitThrottle(BaseThrottle):
    """ninja's throttle hook: counts the authenticated caller; a refusal becomes the API's
    429 through its Throttled handler."""

    _ATTR = "_kazan_api_allowance"

    def __init__(self) -> None:
        # One instance serves every thread: the wait of this thread's last refusal.
        self._local = threading.local()

    def allow_request(self, request: HttpRequest) -> bool:
        allowance = api_allowance_take(principal=getattr(request, "auth", None))
        setattr(request, self._ATTR, allowance)
        self._local.wait = allowance.reset_seconds if allowance else None
        return allowance is None or not allowance.refused

    def wait(self) -> float | None:
        return getattr(self._local, "wait", None)


def _with_headers(run: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    # ninja applies router decorators to each operation's bound `run`: document its 429 there.
    operation = getattr(run, "__self__", None)
    models = getattr(operation, "response_models", None)
    if isinstance(models, dict) and 429 not in models and operation is not None:
        models[429] = operation._create_response_model(ErrorOut)

    @functools.wraps(run)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = run(request, *args, **kwargs)
        allowance = getattr(request, ApiLimitThrottle._ATTR, None)
        if isinstance(allowance, ApiAllowance):
            for name, value in allowance.headers().items():
                response[name] = value
        return response

    return wrapped


def api_limits_apply(router: Router) -> Router:
    """Puts the API limits on every route of `router` (call before it is mounted)."""
    router.throttle = [ApiLimitThrottle()]
    router.add_decorator(_with_headers, mode="view")
    return router

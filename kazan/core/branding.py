"""Whether a business's customers see Kazan's name (decision 0033, white label).

Asked by the landing page on every visit, which is served without touching the database when
its caches are warm: the answer is kept in the shared cache for WHITE_LABEL_SECONDS, so a plan
change shows on the customer pages within that time."""

from django.core.cache import cache

from kazan.core.entitlements import Capability, plan_has
from kazan.core.rediscache import cache_get_fast

WHITE_LABEL_SECONDS = 60


def white_label(business) -> bool:
    """True when the business's plan hides Kazan's name from its customers."""
    if business is None or not getattr(business, "pk", None):
        return False
    key = f"branding:white_label:{business.pk}"
    cached = cache_get_fast(key)
    if cached is None:
        cached = plan_has(business=business, key=Capability.WHITE_LABEL)
        cache.set(key, cached, WHITE_LABEL_SECONDS)
    return bool(cached)

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Model, QuerySet

from kazan.activity.models import Activity

if TYPE_CHECKING:
    from kazan.tenancy.models import Business


def activity_list(
    *,
    business: Business | None = None,
    actor_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    all_businesses: bool = False,
    target: Model | None = None,
) -> QuerySet[Activity]:
    """Entries newest first. A business must be given unless the caller is the platform console
    and says so with `all_businesses=True` (fails closed otherwise). `target`: only the entries
    about that object (a customer's log)."""
    if business is None and not all_businesses:
        raise ValueError("activity_list needs a business")
    entries = Activity.objects.select_related("actor", "business")
    if business is not None:
        entries = entries.filter(business=business)
    if actor_id:
        entries = entries.filter(actor_id=actor_id)
    if action:
        entries = entries.filter(action__startswith=action)
    if since:
        entries = entries.filter(created_at__gte=since)
    if until:
        entries = entries.filter(created_at__lt=until)
    if target is not None:
        entries = entries.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
    return entries


def activity_actions(*, business: Business) -> list[str]:
    return list(
        Activity.objects.filter(business=business)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db.models import Model

from kazan.activity.models import Activity
from kazan.core.db import rows_insert

if TYPE_CHECKING:
    from kazan.accounts.models import User
    from kazan.accounts.types import Actor
    from kazan.tenancy.models import Business


def activity_record(
    *,
    business: Business | None,
    actor: Actor,
    action: str,
    target: Model | None = None,
    data: dict[str, Any] | None = None,
    actor_kind: str | None = None,
) -> Activity:
    """Call inside the service's transaction so the entry commits or rolls back with the change.

    `data` must hold no personal data (ids and counts, not phones, emails or names).
    """
    user = cast("User | None", actor if getattr(actor, "is_authenticated", False) else None)
    kind = actor_kind or ("staff" if user and user.is_staff else "user" if user else "system")
    return Activity.objects.create(
        business=business,
        actor=user,
        actor_kind=kind,
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )


# --- for messaging ---


def activity_record_many(
    *,
    business: Business,
    action: str,
    target_type: str,
    targets: list[tuple[int, dict[str, Any]]],
    actor_kind: str = "system",
) -> None:
    """activity_record for many targets (ids of one model, `target_type` its label_lower) of
    one system action, in one COPY (a campaign batch's "sms.queued" rows). Same rules: inside
    the caller's transaction, no personal data in `data`."""
    rows_insert(
        Activity,
        [
            {
                "business_id": business.pk,
                "actor_id": None,
                "actor_kind": actor_kind,
                "action": action,
                "target_type": target_type,
                "target_id": str(target_id),
                "data": data,
            }
            for target_id, data in targets
        ],
    )

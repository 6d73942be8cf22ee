from typing import Any

from kazan.activity.models import Activity


def activity_record(
    *,
    business,
    actor,
    action: str,
    target: Any = None,
    data: dict | None = None,
    actor_kind: str | None = None,
) -> Activity:
    """Call inside the service's transaction so the entry commits or rolls back with the change.

    `data` must hold no personal data (ids and counts, not phones, emails or names).
    """
    user = actor if getattr(actor, "is_authenticated", False) else None
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

"""The publishable client id (the widget's `data-client`, the API's `X-Client-ID`): rotating it
when a business wants the old one to stop working, e.g. after it was copied to the wrong site."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from kazan.activity.services import activity_record
from kazan.tenancy.models import Business, client_id_new
from kazan.tenancy.queries import business_cache_forget
from kazan.tenancy.services._shared import business_locked

if TYPE_CHECKING:
    from kazan.accounts.types import Actor


def client_id_rotate(*, business: Business, actor: Actor) -> str:
    """Gives the business a new client id and returns it. The old one stops working at once:
    the business is resolved from the id by a database look-up on each request, and the cached
    copies of the business (by slug) are forgotten now and after the commit."""
    with transaction.atomic():
        locked = business_locked(business)
        locked.client_id = client_id_new()
        locked.save(update_fields=["client_id"])
        activity_record(
            business=locked, actor=actor, action="business.client_id_rotated", target=locked
        )
        business_cache_forget(locked.slug)
    business.client_id = locked.client_id
    return locked.client_id

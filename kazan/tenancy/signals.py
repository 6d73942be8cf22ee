"""A saved or deleted business is forgotten by the slug cache (tenancy.queries.business_for_slug),
under its new slug and the one it was loaded with (a changed address must stop answering)."""

from typing import Any

from kazan.tenancy.models import Business
from kazan.tenancy.queries import business_cache_forget

LOADED_SLUG = "_kazan_loaded_slug"


def business_loaded(sender: type[Business], instance: Business, **kwargs: Any) -> None:
    # __dict__, not the attribute: a deferred slug must not cost a query.
    instance.__dict__[LOADED_SLUG] = instance.__dict__.get("slug")


def business_changed(sender: type[Business], instance: Business, **kwargs: Any) -> None:
    business_cache_forget(instance.slug, instance.__dict__.get(LOADED_SLUG) or "")
    instance.__dict__[LOADED_SLUG] = instance.slug

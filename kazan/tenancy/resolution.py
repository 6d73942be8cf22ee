"""Which business a request is about, resolved once per request and in a fixed order.

1. the `business_slug` URL kwarg (landing pages), 2. the subdomain of KAZAN_BASE_DOMAIN,
3. the `X-Client-ID` header (widget and API), 4. the signed-in member's chosen business.
The membership is looked up for whatever business was resolved, so a member of A who names B
by any of these ways gets B with no membership: every member-only view then refuses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from kazan.tenancy.models import Business, Membership
from kazan.tenancy.queries import business_for_slug, membership_of

if TYPE_CHECKING:
    from kazan.accounts.models import User

SESSION_KEY = "business_id"


def subdomain_slug(host: str) -> str | None:
    host = host.split(":", 1)[0].lower()
    suffix = "." + settings.BASE_DOMAIN.lower()
    if host.endswith(suffix):
        label = host[: -len(suffix)]
        if label and "." not in label and label != "www":
            return label
    return None


def business_named(request: HttpRequest, view_kwargs: dict[str, Any]) -> bool:
    """Did the request name a business (slug, subdomain, header) rather than rely on the session?"""
    return bool(
        view_kwargs.get("business_slug")
        or subdomain_slug(request.get_host())
        or request.headers.get("X-Client-ID", "").strip()
    )


def business_resolve(request: HttpRequest, view_kwargs: dict[str, Any]) -> Business | None:
    slug = view_kwargs.get("business_slug") or subdomain_slug(request.get_host())
    if slug:
        return business_for_slug(slug)
    client_id = request.headers.get("X-Client-ID", "").strip()
    if client_id:
        return Business.objects.filter(client_id=client_id[:40]).first()
    user = request.user
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("business")
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        membership = memberships.filter(business_id=chosen).first()
        if membership:
            return membership.business
    # Without a choice, a member of exactly one business works in it; several must pick.
    first_two = list(memberships[:2])
    return first_two[0].business if len(first_two) == 1 else None


def membership_for(user: User | AnonymousUser, business: Business | None) -> Membership | None:
    if business is None or isinstance(user, AnonymousUser):
        return None
    return membership_of(business=business, user=user)

"""What a view can rely on after TenantMiddleware and member_required: annotate a dashboard
view's request as `BusinessRequest` and `request.business` is a Business, not None."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from kazan.accounts.models import User
    from kazan.tenancy.models import Business, Membership


class TenantRequest(HttpRequest):
    """Any request: the middleware sets these, None where no business is named."""

    business: Business | None
    membership: Membership | None
    business_named: bool
    htmx: HtmxDetails


class BusinessRequest(TenantRequest):
    """A request behind member_required: signed in, a member of the business it names."""

    business: Business
    membership: Membership
    user: User  # signed in: never AnonymousUser here

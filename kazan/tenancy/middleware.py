import zoneinfo
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.utils import timezone

from kazan.tenancy.http import TenantRequest
from kazan.tenancy.resolution import business_named, business_resolve, membership_for


class TenantMiddleware:
    """Sets what kazan.tenancy.http.TenantRequest declares: request.business and
    request.membership (either may be None) and request.business_named, before the view runs;
    and shows times in the business's time zone."""

    def __init__(self, get_response: Callable[[TenantRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: TenantRequest) -> HttpResponse:
        request.business = None
        request.membership = None
        request.business_named = False
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(
        self,
        request: TenantRequest,
        view_func: Callable[..., HttpResponse],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        request.business_named = business_named(request, view_kwargs)
        request.business = business_resolve(request, view_kwargs)
        request.membership = membership_for(request.user, request.business)
        if request.business is not None:
            timezone.activate(zoneinfo.ZoneInfo(request.business.timezone))

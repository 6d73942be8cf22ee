import zoneinfo

from django.utils import timezone

from kazan.tenancy.resolution import business_named, business_resolve, membership_for


class TenantMiddleware:
    """Sets request.business and request.membership (either may be None) before the view runs,
    and shows times in the business's time zone."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = None
        request.membership = None
        request.business_named = False
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.business_named = business_named(request, view_kwargs)
        request.business = business_resolve(request, view_kwargs)
        request.membership = membership_for(request.user, request.business)
        if request.business is not None:
            timezone.activate(zoneinfo.ZoneInfo(request.business.timezone))

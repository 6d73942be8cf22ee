from kazan.tenancy.resolution import business_resolve, membership_for


class TenantMiddleware:
    """Sets request.business and request.membership (either may be None) before the view runs."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = None
        request.membership = None
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        request.business = business_resolve(request, view_kwargs)
        request.membership = membership_for(request.user, request.business)

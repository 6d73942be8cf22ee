"""The one gate for business-team pages: it fails closed and subclasses cannot forget it."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from kazan.core.errors import NotFound, PermissionDenied


def member_required(permission: str | None = None):
    """The view runs only for a signed-in member of request.business holding `permission`.

    Someone who names another business (slug, subdomain, header, session) gets a 404, so the
    existence of other tenants' objects does not leak.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if request.business is None:
                if request.business_named:  # a business that does not exist
                    raise NotFound()
                if request.user.memberships.exists():
                    return redirect("dashboard:business_pick")
                if request.user.is_staff:  # platform staff without a business of their own
                    return redirect("console:overview")
                raise PermissionDenied()
            if request.membership is None:
                raise NotFound()
            if permission and not request.membership.can(permission):
                raise PermissionDenied()
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def staff_required(view):
    """Platform console pages: staff only; everybody else gets a 404. (Staff sessions reach any
    view only after the second factor: accounts.middleware.StaffTwoFactorMiddleware.)"""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise NotFound()
        return view(request, *args, **kwargs)

    return wrapper

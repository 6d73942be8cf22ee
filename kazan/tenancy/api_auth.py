"""Authentication for tenant API routes. Whatever authenticates, `request.auth` ends up as a
principal with `.business` and `.can(permission)`: a Membership (session) or an API key."""

from ninja.security import SessionAuth

from kazan.core.errors import PermissionDenied


class MemberSessionAuth(SessionAuth):
    """A signed-in member of the business this request resolved to (session cookie + CSRF)."""

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        # TenantMiddleware resolved request.business and the membership in it (if any).
        return getattr(request, "membership", None)


# Routers pass `auth=tenant_auth`; every entry returns a principal or None.
tenant_auth: list = [MemberSessionAuth()]


def api_require(request, permission: str):
    """Returns the principal's business after checking `permission`; raises PermissionDenied."""
    principal = request.auth
    if not principal.can(permission):
        raise PermissionDenied()
    return principal.business

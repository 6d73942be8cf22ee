"""Authentication for tenant API routes. Whatever authenticates, `request.auth` ends up as a
principal with `.business` and `.can(permission)`: a Membership (session) or an API key."""

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from kazan.core.entitlements import Capability, plan_require
from kazan.core.errors import PermissionDenied
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.models import ROLE_PERMISSIONS, ApiKey, Business, Role
from kazan.tenancy.queries import unscoped_api_key_find
from kazan.tenancy.resolution import subdomain_slug
from kazan.tenancy.services import api_key_touch


class MemberSessionAuth(SessionAuth):
    """A signed-in member of the business this request resolved to (session cookie + CSRF)."""

    openapi_description = (
        "The dashboard's session cookie of a signed-in member, with the rights of their role; "
        "writes also need the X-CSRFToken header."
    )

    def __call__(self, request):
        # Without a signed-in user there is no session to protect from CSRF: step aside so the
        # next authenticator (an API key) gets its turn instead of a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        # TenantMiddleware resolved request.business and the membership in it (if any).
        return getattr(request, "membership", None)


@dataclass(frozen=True)
class ApiKeyPrincipal:
    """An integration acting for one business through an API key, with a manager's rights.

    `user` is None: services record such calls with `actor=None, actor_kind=principal.actor_kind`.
    """

    business: Business
    api_key: ApiKey
    role: str = Role.MANAGER
    user: None = None

    @property
    def permissions(self) -> frozenset[str]:
        return ROLE_PERMISSIONS[self.role]

    @property
    def actor_kind(self) -> str:
        return f"api_key:{self.api_key.pk}"

    def can(self, permission: str) -> bool:
        return permission in self.permissions


class ApiKeyAuth(HttpBearer):
    """`Authorization: Bearer kz_<prefix>_<secret>`. Unknown or revoked keys get a 401.

    A request that also names a business (X-Client-ID, subdomain) other than the key's own is
    refused with a 403: a key never reaches into another tenant. The key's business must pay
    for it (seed 003 "wrap the APIs"): a suspended or ended subscription is a 402
    `subscription_inactive`, a plan without API access a 403 `plan_feature_unavailable`. The
    widget's publishable id and the dashboard's session are not asked about API access.
    """

    openapi_bearerFormat = "kz_<prefix>_<secret>"
    openapi_description = (
        "An API key of the business, created by an owner under Team → API keys in the "
        "dashboard: `Authorization: Bearer kz_<prefix>_<secret>`. It acts for its business "
        "only, with a manager's rights."
    )

    def authenticate(self, request, token):
        api_key = unscoped_api_key_find(raw_key=token)
        if api_key is None:
            return None
        business = api_key.business
        named = getattr(request, "business", None)
        client_id = request.headers.get("X-Client-ID", "").strip()
        if (named is not None and named.pk != business.pk) or (
            client_id and client_id != business.client_id
        ):
            raise PermissionDenied(
                _("This API key does not belong to the business named in the request."),
                code=TenancyErrorCode.WRONG_BUSINESS,
            )
        # SubscriptionInactive (402) when suspended, PlanFeatureUnavailable (403) without API.
        plan_require(business=business, key=Capability.API_ACCESS)
        request.business = business
        request.membership = None
        api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(business=business, api_key=api_key)


@dataclass(frozen=True)
class ClientPrincipal:
    """A website visitor's widget or a public client, named by the business's publishable id.
    It says which business, and grants nothing a team member or an API key may do."""

    business: Business
    user: None = None
    actor_kind: str = "client"

    def can(self, permission: str) -> bool:
        return False


class ClientKeyAuth(APIKeyHeader):
    """The publishable id of a business: `X-Client-ID: <client id>`, or a request to
    `<slug>.<base domain>` (seed 003). Not a secret: it identifies, it does not authorize, so
    routes behind it only read what the widget shows or accept what a visitor may send."""

    param_name = "X-Client-ID"
    openapi_description = (
        "The business's publishable client id (Dashboard → Website widget), or the "
        "business's subdomain `<slug>.<domain>`. Public: it identifies the business for the "
        "widget's reads and a visitor's messages, forms and events, nothing more."
    )

    def _get_key(self, request):
        header = request.headers.get(self.param_name, "").strip()
        return header or subdomain_slug(request.get_host())

    def authenticate(self, request, key):
        # TenantMiddleware resolved the business from this header or the subdomain.
        business = getattr(request, "business", None)
        if business is None or not key:
            return None
        return ClientPrincipal(business=business)


# Routers pass `auth=tenant_auth`; every entry returns a principal or None.
tenant_auth: list = [MemberSessionAuth(), ApiKeyAuth()]


def api_require(request, permission: str):
    """Returns the principal's business after checking `permission`; raises PermissionDenied."""
    principal = request.auth
    if not principal.can(permission):
        raise PermissionDenied()
    return principal.business


def api_actor(request) -> dict[str, Any]:
    """Who acts, as services take it: the member's user, or (for an API key) no user and the
    key as `actor_kind`, so the activity log tells the integration apart."""
    principal = request.auth
    return {
        "actor": getattr(principal, "user", None),
        "actor_kind": getattr(principal, "actor_kind", None),
    }

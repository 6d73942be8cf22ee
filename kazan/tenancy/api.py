"""The signed-in person's own account, for the dashboard's scripts and first-party apps.

Served under /api/v1/accounts with the "accounts" tag; it lives here, above accounts, because
it lists the person's businesses."""

from typing import TYPE_CHECKING, cast

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from kazan.core.api import errors
from kazan.tenancy.queries import memberships_of_user

if TYPE_CHECKING:
    from kazan.accounts.models import User

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    business_slug: str
    business_name: str
    role: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    language: str
    has_2fa: bool
    memberships: list[MembershipOut]


@router.get(
    "/me",
    response={200: MeOut, **errors(401)},
    auth=django_auth,
    summary="The signed-in user",
    # Its id from when accounts served it: API clients generated from the schema keep working.
    operation_id="kazan_accounts_api_me",
)
def me(request: HttpRequest) -> dict[str, object]:
    """Only the caller's own data: never other members of their businesses."""
    user = cast("User", request.user)  # django_auth lets only a signed-in person through
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "language": user.language,
        "has_2fa": user.has_totp,
        "memberships": [
            {"business_slug": m.business.slug, "business_name": m.business.name, "role": m.role}
            for m in memberships_of_user(user=user)
        ],
    }

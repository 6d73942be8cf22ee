"""/api/v1/console: what platform staff do in the console, as API calls. For now: creating a
client (a business and its owner's invitation), exactly as the console's onboarding page does
(tenancy's business_create), with the websites allowed to show its chat widget, and reading one
back.

Authentication: a staff member's session (the dashboard's cookie, X-CSRFToken on writes).
Staff must have passed the second factor — StaffTwoFactorMiddleware answers 401/403 before the
route otherwise, and the route checks it again. There is no staff API token: API keys belong to
one business and never reach these routes (403, like any business member)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema
from ninja.responses import Status
from ninja.security import django_auth
from pydantic import ConfigDict, field_validator

from kazan.accounts.middleware import second_factor_passed
from kazan.channels.widget.rules import ORIGINS_MAX
from kazan.channels.widget.services import widget_settings_update
from kazan.console import queries
from kazan.core.api import errors, unprocessable
from kazan.core.errors import Conflict, NotFound, PermissionDenied
from kazan.core.schemas import InputSchema
from kazan.tenancy.error_codes import TenancyErrorCode
from kazan.tenancy.services import business_create, region_valid

router = Router(tags=["console"], auth=django_auth)

ID_MAX = 2**63 - 1
LANGUAGES = tuple(code for code, _name in settings.LANGUAGES)


def _staff(request: HttpRequest) -> Any:
    """The signed-in staff member, or PermissionDenied (403) for anyone else: members of any
    business, API keys and staff sessions without the second factor."""
    user = request.user
    if not (user.is_authenticated and user.is_staff and user.is_active):
        raise PermissionDenied()
    if not second_factor_passed(request):
        raise PermissionDenied()
    return user


class ClientIn(InputSchema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120, examples=["Café Lumière"])
    slug: str | None = Field(
        None,
        min_length=3,
        max_length=50,
        pattern=r"^[a-z0-9](?:[a-z0-9-]{1,48}[a-z0-9])$",
        description="The landing page's address; made from the name when left out.",
        examples=["cafe-lumiere"],
    )
    owner_email: str = Field(min_length=3, max_length=254, examples=["owner@example.com"])
    language: str = Field(description="One of the platform's languages.", examples=["de"])
    country: str = Field(min_length=2, max_length=2, description="ISO 3166 code.", examples=["DE"])
    timezone: str | None = Field(None, max_length=64, examples=["Europe/Berlin"])
    allowed_origins: list[str] | None = Field(
        None,
        max_length=ORIGINS_MAX,
        description="The websites that may show the chat widget (scheme://host[:port]).",
        examples=[["https://www.cafe-lumiere.example"]],
    )

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError(f"must be one of {', '.join(LANGUAGES)}")
        return value

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.strip().upper()
        if not region_valid(value):
            raise ValueError("unknown country code")
        return value

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()


class ClientCreatedOut(Schema):
    id: int
    slug: str
    client_id: str = Field(description="The business's publishable id (X-Client-ID).")
    invitation_sent: bool = Field(
        description="True: the owner was invited by email. False: the email already belonged "
        "to an account, which became the owner at once."
    )


class ClientOut(Schema):
    id: int
    slug: str
    name: str
    status: str
    client_id: str
    language: str
    country: str
    timezone: str
    created_at: dt.datetime
    owners: int = Field(description="Owners who have joined (0 while the invitation is open).")
    invitations_pending: int


@router.post(
    "/clients",
    response={201: ClientCreatedOut, **errors(401, 403, 409, 422)},
    summary="Create a client (staff)",
    description=(
        "A new business and its owner's invitation, as in the console's onboarding: the owner "
        "gets an email with a link to join (or, if the email has an account, becomes the owner "
        "at once). `allowed_origins`: the websites that may show the chat widget (422 "
        "`widget_invalid` for an address that is not an origin). 409 `slug_taken` when the "
        "address is in use; 403 for anyone but platform staff who passed the second factor."
    ),
)
def clients_create(request: HttpRequest, payload: ClientIn):
    staff = _staff(request)
    profile = {"language": payload.language, "country": payload.country}
    if payload.timezone:
        profile["timezone"] = payload.timezone
    if payload.slug and queries.business_slug_taken(payload.slug):
        raise Conflict(_("This address is taken already."), code=TenancyErrorCode.SLUG_TAKEN)
    # One transaction: a website address the widget refuses (422) leaves no business behind,
    # and no invitation goes out.
    with unprocessable(), transaction.atomic():
        business, issued = business_create(
            slug=payload.slug or queries.business_slug_free(payload.name),
            name=payload.name,
            owner_email=payload.owner_email,
            actor=staff,
            **profile,
        )
        if payload.allowed_origins:
            widget_settings_update(
                business=business, actor=staff, allowed_origins=payload.allowed_origins
            )
    return Status(
        201,
        {
            "id": business.pk,
            "slug": business.slug,
            "client_id": business.client_id,
            "invitation_sent": issued is not None,
        },
    )


@router.get(
    "/clients/{int:business_id}",
    response={200: ClientOut, **errors(401, 403, 404)},
    summary="A client (staff)",
)
def clients_get(request: HttpRequest, business_id: int):
    _staff(request)
    if business_id > ID_MAX:  # not an id the database could hold
        raise NotFound()
    business = queries.business_get(business_id=business_id)
    team = queries.business_team_counts(business=business)
    return {
        "id": business.pk,
        "slug": business.slug,
        "name": business.name,
        "status": business.status,
        "client_id": business.client_id,
        "language": business.language,
        "country": business.country,
        "timezone": business.timezone,
        "created_at": business.created_at,
        **team,
    }

"""Customers API (/api/v1/customers). Thin like the pages: authenticate (session member or API
key), check the permission, call a query or service. Ids of other businesses are 404; invalid
input is 422 with a message; phones and emails are masked except in the GDPR export."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import ConfigDict

from kazan.core.api import Pagination, Timestamp, responses, unprocessable
from kazan.core.schemas import InputSchema
from kazan.customers import queries, services
from kazan.customers.models import ConsentRecord, Customer
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth
from kazan.tenancy.api_limits import api_limits_apply

router = api_limits_apply(Router(tags=["customers"], auth=tenant_auth))


# --- schemas ---------------------------------------------------------------------------------


class StrictSchema(InputSchema):
    # A misspelt field is an error, not silently ignored.
    model_config = ConfigDict(extra="forbid")


class CustomerOut(Schema):
    id: int
    name: str
    phone_masked: str
    email_masked: str
    language: str
    tags: list[str]
    sms_consent: bool
    first_interaction_at: dt.datetime | None
    last_interaction_at: dt.datetime | None
    created_at: dt.datetime

    @staticmethod
    def resolve_tags(obj: Customer) -> list[str]:
        return [tag.name for tag in obj.tags.all()]

    @staticmethod
    def resolve_sms_consent(obj: Customer) -> bool:
        return bool(getattr(obj, "sms_consent", False))


class CustomerDetailOut(CustomerOut):
    phone_verified: bool
    consents: dict[str, bool]
    channels: list[str]

    @staticmethod
    def resolve_phone_verified(obj: Customer) -> bool:
        return obj.phone_verified_at is not None

    @staticmethod
    def resolve_consents(obj: Customer) -> dict[str, bool]:
        return queries.consent_current(business=obj.business, customer=obj)

    @staticmethod
    def resolve_channels(obj: Customer) -> list[str]:
        identities = queries.identities_for(business=obj.business, customer=obj)
        return sorted({identity.channel for identity in identities})


class ConsentIn(StrictSchema):
    purpose: str = Field(ConsentRecord.Purpose.SMS_MARKETING, max_length=40)
    wording_version: str = Field(..., min_length=1, max_length=20)
    language: str = Field("", max_length=8, description="The language of the text shown.")
    ip: str = Field("", max_length=45, description="The customer's IP address, as evidence.")
    user_agent: str = Field("", max_length=400)


class CustomerCreateIn(StrictSchema):
    phone: str = Field(..., min_length=1, max_length=40)
    name: str = Field("", max_length=120)
    language: str = Field("", max_length=8)
    consent: ConsentIn | None = None


class CustomerPatchIn(StrictSchema):
    name: str | None = Field(None, max_length=120)
    language: str | None = Field(None, max_length=8)
    email: str | None = Field(None, max_length=254)
    tags: list[str] | None = Field(None, max_length=20)


class CustomerFilters(InputSchema):
    q: str = Field("", max_length=100, description="Name, or an exact phone number or email.")
    consent: bool | None = Field(None, description="Current SMS-marketing consent.")
    tag: str | None = Field(None, max_length=40, description="A tag name.")
    since: Timestamp | None = Field(None, description="Last interaction at or after.")
    until: Timestamp | None = Field(None, description="Last interaction before.")


class ErasedOut(Schema):
    id: int
    erased_at: dt.datetime


def _detail(business, customer_id: int) -> Customer:
    """Re-read through the scoped query, so responses carry the current consent annotation."""
    return queries.customer_get(business=business, customer_id=customer_id)


# --- routes ----------------------------------------------------------------------------------


@router.get("/", response=responses(list[CustomerOut], 422), summary="List customers")
@paginate(Pagination)
def customers_list(request: HttpRequest, filters: Query[CustomerFilters]):
    business = api_require(request, "customers.view")
    tag_id = None
    if filters.tag:
        tag = queries.tags_for_business(business=business).filter(name__iexact=filters.tag).first()
        if tag is None:
            return Customer.objects.none()
        tag_id = tag.pk
    return queries.customer_list(
        business=business,
        search=filters.q,
        consent=filters.consent,
        tag=tag_id,
        since=filters.since,
        until=filters.until,
    )


@router.get(
    "/{int:customer_id}", response=responses(CustomerDetailOut, 404), summary="One customer"
)
def customers_get(request: HttpRequest, customer_id: int):
    business = api_require(request, "customers.view")
    return _detail(business, customer_id)


@router.post(
    "/",
    response={201: CustomerDetailOut, **responses(CustomerDetailOut, 409, 422)},
    summary="Create a customer, or find the one with this phone",
    description=(
        "201 when the customer is new, 200 when the phone already belongs to a customer. "
        "With `consent`, the grant is recorded against the wording version the customer saw."
    ),
)
def customers_create(request: HttpRequest, payload: CustomerCreateIn):
    business = api_require(request, "customers.edit")
    with unprocessable():
        wording = None
        if payload.consent is not None:
            wording = queries.consent_wording_get(
                purpose=payload.consent.purpose,
                version=payload.consent.wording_version,
                language=payload.consent.language or payload.language or business.language,
            )
        customer, created = services.customer_register(
            business=business,
            phone=payload.phone,
            name=payload.name,
            language=payload.language,
            channel="api",
            wording=wording,
            ip=payload.consent.ip if payload.consent else "",
            user_agent=payload.consent.user_agent if payload.consent else "",
            **api_actor(request),
        )
    return Status(201 if created else 200, _detail(business, customer.pk))


@router.patch(
    "/{int:customer_id}",
    response=responses(CustomerDetailOut, 404, 409, 422),
    summary="Edit a customer",
)
def customers_patch(request: HttpRequest, customer_id: int, payload: CustomerPatchIn):
    business = api_require(request, "customers.edit")
    customer = queries.customer_get(business=business, customer_id=customer_id)
    with unprocessable():
        services.customer_update(
            business=business,
            customer=customer,
            name=customer.name if payload.name is None else payload.name,
            language=customer.language if payload.language is None else payload.language,
            email=customer.email if payload.email is None else payload.email,
            tags=[t.name for t in customer.tags.all()] if payload.tags is None else payload.tags,
            **api_actor(request),
        )
    return _detail(business, customer.pk)


@router.post(
    "/{int:customer_id}/export",
    response=responses(dict[str, Any], 404, 409),
    summary="Everything held about a customer (GDPR access request)",
)
def customers_export(request: HttpRequest, customer_id: int):
    business = api_require(request, "customers.export")
    customer = queries.customer_get(business=business, customer_id=customer_id)
    return services.customer_export(business=business, customer=customer, **api_actor(request))


@router.post(
    "/{int:customer_id}/erase",
    response=responses(ErasedOut, 404, 409),
    summary="Erase a customer's personal data (GDPR erasure request)",
    description="Irreversible. A second call answers 409.",
)
def customers_erase(request: HttpRequest, customer_id: int):
    business = api_require(request, "customers.erase")
    customer = queries.customer_get(business=business, customer_id=customer_id, include_erased=True)
    services.customer_erase(business=business, customer=customer, **api_actor(request))
    assert customer.erased_at is not None  # customer_erase sets it or raises
    return ErasedOut(id=customer.pk, erased_at=customer.erased_at)

"""/api/v1/messaging: SMS credits and usage, the business's messages, and sending one SMS."""

from datetime import datetime
from typing import TYPE_CHECKING

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus
from ninja.pagination import paginate

from kazan.core.api import Pagination, responses
from kazan.core.masking import phone_mask
from kazan.core.schemas import InputSchema
from kazan.messaging import queries, services
from kazan.messaging.models import OutboundMessage, Purpose, Status
from kazan.tenancy.api_auth import ApiKeyPrincipal, api_actor, api_require, tenant_auth

if TYPE_CHECKING:
    from kazan.tenancy.models import Business, Membership

router = Router(tags=["messaging"], auth=tenant_auth)


class UsageOut(Schema):
    sent: int
    delivered: int
    failed: int
    pending: int
    credits_used: int


class BalanceOut(Schema):
    credits: int
    usage: UsageOut


class MessageOut(Schema):
    id: int
    to: str = Field(description="The number, masked: +49••••678")
    purpose: str
    status: str
    segments: int
    credits: int
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    error_code: str

    @staticmethod
    def resolve_to(message: OutboundMessage) -> str:
        return phone_mask(message.to)


class SmsIn(InputSchema):
    to: str = Field(min_length=3, max_length=32, examples=["+4915112345678"])
    body: str = Field(min_length=1, max_length=1600)
    idempotency_key: str | None = Field(default=None, min_length=1, max_length=100)


class PrincipalRequest(HttpRequest):
    """A request past the router's auth (tenancy.api_auth): who calls, for which business."""

    auth: "Membership | ApiKeyPrincipal"


def _principal_business(request: PrincipalRequest) -> "Business":
    return request.auth.business


@router.get("/balance", response=responses(BalanceOut), summary="SMS credits and usage")
def balance(request: PrincipalRequest):
    business = _principal_business(request)
    return {
        "credits": queries.sms_balance(business=business),
        "usage": queries.sms_usage(business=business),
    }


@router.get(
    "/messages", response=responses(list[MessageOut], 422), summary="Outgoing SMS, newest first"
)
@paginate(Pagination)
def messages(request: HttpRequest, status: Status | None = None):
    business = api_require(request, "customers.view")
    return queries.message_list(business=business, status=status)


@router.post(
    "/sms",
    response=responses(MessageOut, 402, 422, ok_status=201),
    summary="Send a transactional SMS",
)
def sms(request: HttpRequest, payload: SmsIn):
    """Queues the SMS and charges its segments; 402 when the credits do not cover it. The same
    `idempotency_key` again returns the first message without a second charge."""
    business = api_require(request, "messaging.send")
    message = services.sms_send(
        business=business,
        to=payload.to,
        body=payload.body,
        purpose=Purpose.TRANSACTIONAL,
        idempotency_key=payload.idempotency_key,
        **api_actor(request),
    )
    return HttpStatus(201, message)

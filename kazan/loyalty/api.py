"""/api/v1/vouchers: check and redeem a voucher code from a till or shop system, through the
same services as the counter page. Codes travel in the body, never in the URL (URLs end up in
access logs). Another business's code is unknown (404) like a made-up one."""

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Router, Schema

from kazan.core.api import responses
from kazan.core.errors import Conflict, NotFound
from kazan.core.schemas import InputSchema
from kazan.loyalty.error_codes import LoyaltyErrorCode
from kazan.loyalty.services import VoucherCheck, voucher_check, voucher_redeem
from kazan.tenancy.api_auth import api_actor, api_require, tenant_auth

router = Router(tags=["vouchers"], auth=tenant_auth)

# What redeeming a code that is no longer valid answers (409), by its state.
NOT_REDEEMABLE = {
    "redeemed": (LoyaltyErrorCode.VOUCHER_REDEEMED, _("This voucher has already been redeemed.")),
    "expired": (LoyaltyErrorCode.VOUCHER_EXPIRED, _("This voucher has expired.")),
}


class CodeIn(InputSchema):
    code: str = Field(
        min_length=1,
        max_length=64,
        description="As typed or scanned: case, spaces and dashes do not matter.",
        examples=["7KQ2M9XD"],
    )


class VoucherOut(Schema):
    code: str
    state: str = Field(description="valid | redeemed | expired")
    kind: str = Field(description="welcome | campaign")
    discount_text: str
    expires_at: dt.datetime
    redeemed_at: dt.datetime | None


def _voucher(check: VoucherCheck) -> dict:
    voucher = check.voucher
    if voucher is None:
        raise NotFound(_("No voucher with this code."))
    return {
        "code": voucher.code,
        "state": check.state,
        "kind": voucher.kind,
        "discount_text": voucher.discount_text,
        "expires_at": voucher.expires_at,
        "redeemed_at": voucher.redeemed_at,
    }


@router.post(
    "/check",
    response=responses(VoucherOut, 404, 422),
    summary="The state of a voucher code",
    description="Changes nothing. 404 for a code this business never issued.",
)
def vouchers_check(request: HttpRequest, payload: CodeIn):
    business = api_require(request, "vouchers.redeem")
    return _voucher(voucher_check(business=business, code=payload.code))


@router.post(
    "/redeem",
    response=responses(VoucherOut, 404, 409, 422),
    summary="Redeem a voucher code",
    description=(
        "Marks a valid voucher redeemed, exactly once even when two tills press at the same "
        "moment. 409 `voucher_redeemed` or `voucher_expired` when it is no longer valid; "
        "404 for a code this business never issued."
    ),
)
def vouchers_redeem(request: HttpRequest, payload: CodeIn):
    business = api_require(request, "vouchers.redeem")
    check = voucher_redeem(business=business, code=payload.code, **api_actor(request))
    if check.state in NOT_REDEEMABLE:
        code, message = NOT_REDEEMABLE[check.state]
        raise Conflict(message, code=code)
    return {**_voucher(check), "state": "redeemed"}

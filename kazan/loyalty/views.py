"""Voucher redemption at the counter. One page: a code input a handheld scanner types into (or
the camera fills, see static loyalty/scan.js), the code's state, and a button that redeems it.
With htmx the result is swapped in place; without JavaScript the same URLs render the page."""

from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kazan.core.errors import NotFound
from kazan.loyalty.services import (
    VoucherCheck,
    voucher_check,
    voucher_code_normalize,
    voucher_redeem,
)
from kazan.tenancy.decorators import member_required

CODE_MAX_LENGTH = 64


def _render(request, *, code: str, check: VoucherCheck | None, error: str = "", **extra):
    context = {"code": code, "check": check, "error": error, **extra}
    template = "loyalty/voucher_result.html" if request.htmx else "loyalty/counter.html"
    return render(request, template, context, status=400 if error else 200)


def _code_from(raw: str) -> tuple[str, str]:
    """(normalized code, error message)."""
    if len(raw) > CODE_MAX_LENGTH:
        return "", _("This is not a voucher code.")
    code = voucher_code_normalize(raw)
    if not code:
        return "", _("Type or scan a voucher code.")
    return code, ""


@member_required("vouchers.redeem")
@require_GET
def counter(request):
    raw = request.GET.get("code", "")
    if not raw.strip():
        return _render(request, code="", check=None)
    code, error = _code_from(raw)
    if error:
        return _render(request, code="", check=None, error=error)
    return _render(request, code=code, check=voucher_check(business=request.business, code=code))


@member_required("vouchers.redeem")
@require_POST
def redeem(request):
    code, error = _code_from(request.POST.get("code", ""))
    if error:
        return _render(request, code="", check=None, error=error)
    try:
        check = voucher_redeem(business=request.business, code=code, actor=request.user)
    except NotFound:
        check = VoucherCheck("unknown", None)
    return _render(request, code=code, check=check, just_redeemed=check.state == "valid")

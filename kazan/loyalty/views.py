"""Voucher redemption at the counter. One page: a code input a handheld scanner types into (or
the camera fills, see static loyalty/scan.js), the code's state, a button that redeems it, and
today's redemptions with an undo button for the last few minutes' ones.
With htmx the result is swapped in place; without JavaScript the same URLs render the page."""

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kazan.core.errors import Conflict, NotFound
from kazan.loyalty.queries import redemptions_today
from kazan.loyalty.services import (
    VoucherCheck,
    voucher_check,
    voucher_code_normalize,
    voucher_redeem,
    voucher_redemption_undo,
    voucher_undo_window,
)
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest

CODE_MAX_LENGTH = 64
# The htmx event that makes the list of today's redemptions reload itself.
REDEMPTIONS_CHANGED = "redemptions-changed"


def _redemptions_context(request: BusinessRequest, *, undo_error: str = "") -> dict[str, Any]:
    now = timezone.now()
    window = voucher_undo_window()
    return {
        "redemptions": [
            (voucher, voucher.redeemed_at is not None and voucher.redeemed_at > now - window)
            for voucher in redemptions_today(business=request.business, now=now)
        ],
        "undo_minutes": int(window.total_seconds() // 60),
        "undo_error": undo_error,
    }


def _render(
    request: BusinessRequest,
    *,
    code: str,
    check: VoucherCheck | None,
    error: str = "",
    just_redeemed: bool = False,
) -> HttpResponse:
    context: dict[str, Any] = {
        "code": code,
        "check": check,
        "error": error,
        "just_redeemed": just_redeemed,
    }
    if request.htmx:
        template = "loyalty/voucher_result.html"
    else:
        template = "loyalty/counter.html"
        context.update(_redemptions_context(request))
    response = render(request, template, context, status=400 if error else 200)
    if just_redeemed:
        response["HX-Trigger"] = REDEMPTIONS_CHANGED
    return response


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
def counter(request: BusinessRequest) -> HttpResponse:
    raw = request.GET.get("code", "")
    if not raw.strip():
        return _render(request, code="", check=None)
    code, error = _code_from(raw)
    if error:
        return _render(request, code="", check=None, error=error)
    return _render(request, code=code, check=voucher_check(business=request.business, code=code))


@member_required("vouchers.redeem")
@require_POST
def redeem(request: BusinessRequest) -> HttpResponse:
    code, error = _code_from(request.POST.get("code", ""))
    if error:
        return _render(request, code="", check=None, error=error)
    try:
        check = voucher_redeem(business=request.business, code=code, actor=request.user)
    except NotFound:
        check = VoucherCheck("unknown", None)
    return _render(request, code=code, check=check, just_redeemed=check.state == "valid")


@member_required("vouchers.redeem")
@require_GET
def redemptions(request: BusinessRequest) -> HttpResponse:
    """Today's redemptions (the list htmx reloads after a redemption and every minute)."""
    if not request.htmx:
        return redirect("vouchers:counter")
    return render(request, "loyalty/redemptions.html", _redemptions_context(request))


def _redeemed_at_from(raw: str) -> dt.datetime | None:
    try:
        value = dt.datetime.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        return None
    return value if timezone.is_aware(value) else None


@member_required("vouchers.redeem")
@require_POST
def redemption_undo(request: BusinessRequest, voucher_id: int) -> HttpResponse:
    """Undo a redemption made in the last VOUCHER_UNDO_MINUTES: the voucher is valid again."""
    redeemed_at = _redeemed_at_from(request.POST.get("redeemed_at", "")[:64])
    error, status = "", 200
    if redeemed_at is None:
        error, status = _("This redemption can no longer be undone."), 400
    else:
        try:
            voucher_redemption_undo(
                business=request.business,
                voucher_id=voucher_id,
                redeemed_at=redeemed_at,
                actor=request.user,
            )
        except (Conflict, NotFound) as exc:
            error, status = str(exc.message), exc.status
    if not request.htmx and not error:
        messages.success(request, _("The redemption was undone; the voucher is valid again."))
        return redirect("vouchers:counter")
    context = _redemptions_context(request, undo_error=error)
    context["undone"] = not error
    if request.htmx:
        return render(request, "loyalty/redemptions.html", context, status=status)
    context.update(code="", check=None, error="")
    return render(request, "loyalty/counter.html", context, status=status)

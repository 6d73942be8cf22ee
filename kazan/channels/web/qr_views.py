"""QR code downloads for the business team (/dashboard/qr/), always the member's own business."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kazan.channels.web import qr
from kazan.tenancy.decorators import member_required
from kazan.tenancy.http import BusinessRequest


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@member_required()
@require_GET
def qr_page(request: BusinessRequest) -> HttpResponse:
    business = request.business
    return render(
        request,
        "qr/page.html",
        {"qr_url": qr.landing_qr_url(business), "landing_path": f"/{business.slug}/"},
    )


@member_required()
@require_GET
def qr_png(request: BusinessRequest) -> HttpResponse:
    return _download(qr.qr_png(request.business), "image/png", f"{request.business.slug}-qr.png")


@member_required()
@require_GET
def qr_svg(request: BusinessRequest) -> HttpResponse:
    # Shown on the page too (<img>), so also inline; `?download` makes it an attachment.
    response = _download(
        qr.qr_svg(request.business), "image/svg+xml", f"{request.business.slug}-qr.svg"
    )
    if "download" not in request.GET:
        response["Content-Disposition"] = "inline"
    return response


@member_required()
@require_GET
def table_card(request: BusinessRequest) -> HttpResponse:
    return _download(
        qr.table_card_pdf(request.business),
        "application/pdf",
        f"{request.business.slug}-table-card.pdf",
    )

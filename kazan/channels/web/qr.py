"""The business's landing-page QR code as PNG, SVG and a printable A5 table card (PDF).

The code encodes <PUBLIC_URL>/<slug>/?src=qr, so the landing page counts a scan rather than a
page view. Pure functions of the business: no writes, nothing to scope beyond the caller's.
"""

import io
import logging
from pathlib import Path

import segno
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger("kazan.channels.web")

# Print size: 20 px per module is sharp on a 300 dpi A5 card and in a flyer.
PNG_SCALE = 20
BORDER = 4
_FONT_CANDIDATES = [
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
]


def landing_qr_url(business) -> str:
    return f"{settings.PUBLIC_URL}/{business.slug}/?src=qr"


def landing_qr(business) -> segno.QRCode:
    # Level M: survives a coffee stain on a table card, still a small symbol for a short URL.
    return segno.make(landing_qr_url(business), error="m", micro=False)


def qr_png(business, *, scale: int = PNG_SCALE) -> bytes:
    out = io.BytesIO()
    landing_qr(business).save(out, kind="png", scale=scale, border=BORDER)
    return out.getvalue()


def qr_svg(business) -> bytes:
    out = io.BytesIO()
    landing_qr(business).save(
        out, kind="svg", scale=10, border=BORDER, title=business.name, xmldecl=True
    )
    return out.getvalue()


def _fonts() -> tuple[str, str]:
    """A font that has every letter of our five languages (ğ, ş, İ…), else Helvetica."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    regular, bold = _FONT_CANDIDATES
    if regular.exists() and bold.exists():
        try:
            pdfmetrics.registerFont(TTFont("KazanSans", str(regular)))
            pdfmetrics.registerFont(TTFont("KazanSans-Bold", str(bold)))
            return "KazanSans", "KazanSans-Bold"
        except Exception:  # a broken font file must not break the download
            logger.warning("table card: could not load DejaVu fonts; using Helvetica")
    return "Helvetica", "Helvetica-Bold"


def _logo_reader(business):
    """The logo as a reportlab image, or None when unset or not a readable PNG/JPEG."""
    if not business.logo:
        return None
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    try:
        with business.logo.open("rb") as handle:
            data = handle.read(5 * 1024 * 1024)
        image = Image.open(io.BytesIO(data))
        image.load()
        if image.mode not in ("RGB", "RGBA", "L"):
            image = image.convert("RGBA")
        return ImageReader(image)
    except Exception:
        logger.info("table card: logo of business %s is not a readable image", business.pk)
        return None


def _fit(canvas, text: str, font: str, size: float, width: float) -> float:
    """The largest font size up to `size` at which `text` fits `width`."""
    while size > 8 and canvas.stringWidth(text, font, size) > width:
        size -= 1
    return size


def table_card_pdf(business, *, language: str = "") -> bytes:
    """An A5 portrait card: logo, name, the QR code and a short call to action."""
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A5
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas as pdf_canvas

    regular, bold = _fonts()
    width, height = A5
    out = io.BytesIO()
    page = pdf_canvas.Canvas(out, pagesize=A5)
    page.setTitle(business.name)
    page.setCreator("Kazan")
    try:
        brand = HexColor(business.brand_color)
    except Exception:
        brand = HexColor("#1f7a5a")
    top = height - 18 * mm
    logo = _logo_reader(business)
    if logo is not None:
        w, h = logo.getSize()
        box = 28 * mm
        ratio = min(box / w, box / h)
        page.drawImage(
            logo,
            (width - w * ratio) / 2,
            top - h * ratio,
            w * ratio,
            h * ratio,
            mask="auto",
        )
        top -= h * ratio + 8 * mm
    page.setFillColor(brand)
    size = _fit(page, business.name, bold, 26, width - 20 * mm)
    page.setFont(bold, size)
    page.drawCentredString(width / 2, top - size, business.name)
    top -= size + 8 * mm
    with translation.override(language or business.language):
        headline = gettext("Scan me!")
        line = gettext("Tell us how your visit was.")
        url_hint = gettext("Or open:")
    qr_side = 80 * mm
    png = io.BytesIO()
    landing_qr(business).save(png, kind="png", scale=10, border=2)
    png.seek(0)
    page.drawImage(ImageReader(png), (width - qr_side) / 2, top - qr_side, qr_side, qr_side)
    top -= qr_side + 10 * mm
    page.setFillColor(HexColor("#1b1f23"))
    page.setFont(bold, _fit(page, headline, bold, 22, width - 20 * mm))
    page.drawCentredString(width / 2, top, headline)
    top -= 9 * mm
    page.setFont(regular, _fit(page, line, regular, 13, width - 20 * mm))
    page.drawCentredString(width / 2, top, line)
    top -= 8 * mm
    page.setFont(regular, 9)
    page.setFillColor(HexColor("#5b6470"))
    page.drawCentredString(
        width / 2, max(top, 10 * mm), f"{url_hint} {settings.PUBLIC_URL}/{business.slug}/"
    )
    page.showPage()
    page.save()
    return out.getvalue()

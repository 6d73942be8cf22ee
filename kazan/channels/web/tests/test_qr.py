"""QR downloads on the dashboard: the member's own business only, and files that really hold the
landing URL (PNG modules read back and compared with segno's matrix; SVG and PDF checked)."""

import io
import re

import pytest
import segno
from django.core.files.base import ContentFile
from django.test import override_settings
from PIL import Image

from kazan.channels.web.qr import BORDER, PNG_SCALE, landing_qr_url
from kazan.tenancy.models import Role
from kazan.tenancy.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PUBLIC = "https://kazan.example"


def _matrix_from_png(data: bytes, *, scale: int, border: int) -> list[list[int]]:
    image = Image.open(io.BytesIO(data)).convert("L")
    modules = image.width // scale - 2 * border
    return [
        [
            1
            if image.getpixel(
                ((border + x) * scale + scale // 2, (border + y) * scale + scale // 2)
            )
            < 128
            else 0
            for x in range(modules)
        ]
        for y in range(modules)
    ]


@override_settings(PUBLIC_URL=PUBLIC)
def test_png_holds_the_landing_url_with_the_scan_marker(owner_client, business):
    response = owner_client.get("/dashboard/qr/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "attachment" in response["Content-Disposition"]
    assert landing_qr_url(business) == f"{PUBLIC}/cafe-a/?src=qr"
    expected = [list(row) for row in segno.make(f"{PUBLIC}/cafe-a/?src=qr", error="m").matrix]
    assert _matrix_from_png(response.content, scale=PNG_SCALE, border=BORDER) == expected


@override_settings(PUBLIC_URL=PUBLIC)
def test_svg_is_the_same_code(owner_client, business):
    response = owner_client.get("/dashboard/qr/qr.svg")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "Café A" in svg
    reference = io.BytesIO()
    segno.make(f"{PUBLIC}/cafe-a/?src=qr", error="m").save(
        reference, kind="svg", scale=10, border=BORDER, title="Café A", xmldecl=True
    )
    assert response.content == reference.getvalue()
    assert "attachment" in owner_client.get("/dashboard/qr/qr.svg?download")["Content-Disposition"]


def test_table_card_is_an_a5_pdf(owner_client, business):
    response = owner_client.get("/dashboard/qr/table-card.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    # A5 portrait: 419.5 x 595.3 points.
    box = re.search(rb"/MediaBox \[\s*0 0 ([\d.]+) ([\d.]+)", response.content)
    assert box and (round(float(box.group(1))), round(float(box.group(2)))) == (420, 595)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_table_card_with_a_logo(owner_client, business, fmt, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    out = io.BytesIO()
    Image.new("RGB", (120, 60), (200, 30, 30)).save(out, fmt)
    business.logo.save(f"logo.{fmt.lower()}", ContentFile(out.getvalue()))
    plain_size = len(owner_client.get("/dashboard/qr/table-card.pdf").content)
    business.logo.delete(save=True)
    without = len(owner_client.get("/dashboard/qr/table-card.pdf").content)
    assert plain_size > without  # the logo image is embedded


def test_a_broken_logo_does_not_break_the_card(owner_client, business, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    business.logo.save("logo.png", ContentFile(b"not an image"))
    response = owner_client.get("/dashboard/qr/table-card.pdf")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")


def test_turkish_card_text(owner_client, business):
    business.language = "tr"
    business.name = "Çiğ Köfte Şişli"
    business.save()
    response = owner_client.get("/dashboard/qr/table-card.pdf")
    assert response.status_code == 200


def test_page_shows_the_code_and_download_links(owner_client, business):
    response = owner_client.get("/dashboard/qr/")
    assert response.status_code == 200
    body = response.content.decode()
    for url in ("/dashboard/qr/qr.png", "/dashboard/qr/qr.svg", "/dashboard/qr/table-card.pdf"):
        assert url in body
    assert "/cafe-a/?src=qr" in body


def test_members_only_and_scoped_to_their_business(client, business, other_business):
    assert client.get("/dashboard/qr/qr.png").status_code == 302  # to the sign-in page
    agent = MembershipFactory(business=other_business, role=Role.AGENT).user
    client.force_login(agent)
    response = client.get("/dashboard/qr/qr.svg")
    assert response.status_code == 200
    assert "Shop B" in response.content.decode() and "Café A" not in response.content.decode()
    # Naming the other business by subdomain does not reach it.
    response = client.get("/dashboard/qr/qr.svg", HTTP_HOST="cafe-a.localhost")
    assert response.status_code == 404

"""The business's QR code downloads (PNG, SVG, A5 table card PDF), mounted at /dashboard/qr/."""

from django.urls import path

from kazan.channels.web import qr_views

app_name = "qr"
urlpatterns: list = [
    path("", qr_views.qr_page, name="page"),
    path("qr.png", qr_views.qr_png, name="png"),
    path("qr.svg", qr_views.qr_svg, name="svg"),
    path("table-card.pdf", qr_views.table_card, name="card"),
]

"""The console's map of all businesses: who may see it, what data it carries, how many queries
it takes, its Content Security Policy, and in a real browser: outlines, clusters and popups."""

import base64
import datetime as dt
import json
import threading
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django.utils.csp import CSP

from kazan.accounts.tests.browser import browser_sign_in
from kazan.accounts.tests.staff import staff_sign_in, totp_turn_on
from kazan.analytics.models import DailyCount, EventKind
from kazan.console.map_views import tile_origin
from kazan.customers.tests.factories import CustomerFactory
from kazan.tenancy.models import Business
from kazan.tenancy.tests.factories import BusinessFactory

MAP_URL = "/console/map/"
BERLIN = (Decimal("52.520008"), Decimal("13.404954"))
ISTANBUL = (Decimal("41.008238"), Decimal("28.978359"))


def located(name: str, where=BERLIN, **fields) -> Business:
    return BusinessFactory(name=name, latitude=where[0], longitude=where[1], **fields)


def scans(business: Business, *, days_ago: int, count: int) -> None:
    day = timezone.localdate() - dt.timedelta(days=days_ago)
    DailyCount.objects.create(business=business, kind=EventKind.QR_SCAN, day=day, count=count)


def map_data(response) -> list[dict]:
    return json.loads(
        response.content.decode()
        .split('<script id="map-businesses" type="application/json">')[1]
        .split("</script>")[0]
    )


@pytest.fixture
def staff_client(client, staff_user):
    staff_sign_in(client, staff_user)
    return client


# --- permissions ------------------------------------------------------------------------------


def test_the_route_is_the_console_map():
    assert reverse("console:map") == MAP_URL


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(MAP_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_business_owner_gets_a_404(owner_client):
    assert owner_client.get(MAP_URL).status_code == 404


def test_staff_see_the_map(staff_client):
    response = staff_client.get(MAP_URL)
    assert response.status_code == 200
    assert 'id="business-map"' in response.content.decode()


def test_the_map_only_answers_get(staff_client):
    assert staff_client.post(MAP_URL).status_code == 405


# --- data -----------------------------------------------------------------------------------


def test_only_businesses_with_both_coordinates_are_on_the_map(staff_client):
    berlin = located("Café Berlin")
    BusinessFactory(name="Nowhere")
    BusinessFactory(name="Half", latitude=Decimal("1.5"))
    BusinessFactory(name="Other half", longitude=Decimal("1.5"))

    response = staff_client.get(MAP_URL)

    data = map_data(response)
    assert [row["name"] for row in data] == ["Café Berlin"]
    row = data[0]
    assert row["id"] == berlin.pk
    assert row["slug"] == berlin.slug
    assert row["lat"] == pytest.approx(52.520008)
    assert row["lon"] == pytest.approx(13.404954)
    assert isinstance(row["lat"], float)
    assert row["url"] == f"/console/businesses/{berlin.pk}/"
    assert row["address"] == berlin.address
    assert response.context["without_location"] == 3
    assert "3 businesses have no location." in response.content.decode()


def test_suspended_businesses_are_shown_with_their_status(staff_client):
    located("Open shop")
    located("Closed shop", status=Business.Status.SUSPENDED)

    data = {row["name"]: row for row in map_data(staff_client.get(MAP_URL))}

    assert data["Open shop"]["status"] == "active"
    assert data["Closed shop"]["status"] == "suspended"
    assert data["Closed shop"]["status_label"] == "Suspended"


def test_customers_and_last_30_days_of_scans_are_counted_per_business(staff_client):
    busy = located("Busy")
    quiet = located("Quiet", ISTANBUL)
    CustomerFactory.create_batch(3, business=busy)
    CustomerFactory(business=busy, erased_at=timezone.now())  # erased: not counted
    CustomerFactory(business=quiet)
    scans(busy, days_ago=0, count=5)
    scans(busy, days_ago=29, count=2)
    scans(busy, days_ago=30, count=100)  # outside the window
    DailyCount.objects.create(
        business=busy, kind=EventKind.PAGE_VIEW, day=timezone.localdate(), count=50
    )
    scans(quiet, days_ago=3, count=1)

    data = {row["name"]: row for row in map_data(staff_client.get(MAP_URL))}

    assert (data["Busy"]["customers"], data["Busy"]["scans"]) == (3, 7)
    assert (data["Quiet"]["customers"], data["Quiet"]["scans"]) == (1, 1)


def test_a_business_without_customers_or_scans_counts_zero(staff_client):
    located("New")

    (row,) = map_data(staff_client.get(MAP_URL))

    assert (row["customers"], row["scans"]) == (0, 0)


def test_business_names_cannot_break_out_of_the_json(staff_client):
    located("</script><script>alert(1)</script>")

    response = staff_client.get(MAP_URL)

    assert "<script>alert(1)" not in response.content.decode()
    assert map_data(response)[0]["name"] == "</script><script>alert(1)</script>"


def test_the_query_count_does_not_grow_with_the_number_of_businesses(staff_client):
    def queries_for_map() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(MAP_URL).status_code == 200
        return len(captured)

    for n in range(3):
        business = located(f"Small {n}")
        CustomerFactory(business=business)
        scans(business, days_ago=1, count=2)
    staff_client.get(MAP_URL)  # warm up (session, caches)
    with_three = queries_for_map()

    for n in range(27):
        business = located(f"More {n}", ISTANBUL)
        CustomerFactory(business=business)
        scans(business, days_ago=1, count=2)
    with_thirty = queries_for_map()

    assert len(map_data(staff_client.get(MAP_URL))) == 30
    assert with_thirty == with_three


# --- base map and Content Security Policy ------------------------------------------------------


def test_without_a_tile_server_the_policy_stays_strict(staff_client):
    response = staff_client.get(MAP_URL)

    policy = response[CSP.HEADER_ENFORCE]
    assert "img-src 'self' data:;" in policy
    config = json.loads(
        response.content.decode()
        .split('id="map-config" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert config["tileUrl"] == ""
    assert "world-atlas-2.0.2/countries-110m.json" in response.content.decode()


@override_settings(
    MAP_TILE_URL="https://tiles.example.org/{z}/{x}/{y}.png",
    MAP_TILE_ATTRIBUTION="© Example tiles",
)
def test_a_configured_tile_server_is_allowed_on_the_map_page_only(staff_client):
    response = staff_client.get(MAP_URL)

    policy = response[CSP.HEADER_ENFORCE]
    assert "img-src 'self' data: https://tiles.example.org;" in policy
    assert "script-src 'self' 'nonce-" in policy  # the rest is unchanged
    assert "connect-src 'self';" in policy
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in response.content.decode()
    other_page = staff_client.get("/console/")
    assert "tiles.example.org" not in other_page[CSP.HEADER_ENFORCE]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://localhost:8080/tiles/{z}/{x}/{y}.png", "http://localhost:8080"),
    ],
)
def test_the_tile_origin_covers_the_template(url, origin):
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "/tiles/{z}/{x}/{y}.png", "https://a.{s}.example.org/{z}.png"],
)
def test_an_unusable_tile_url_is_a_configuration_error(url):
    with pytest.raises(ImproperlyConfigured):
        tile_origin(url)


# --- in a real browser ------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_staff_open_the_map_and_a_business_popup(live_server, page, staff_user):
    # two cafés a few hundred metres apart in Berlin cluster; Istanbul stands alone
    located("Café Mitte", BERLIN)
    located("Café Nebenan", (BERLIN[0] + Decimal("0.003"), BERLIN[1]))
    bosporus = located("Bosporus Büfe", ISTANBUL, status=Business.Status.SUSPENDED)
    CustomerFactory.create_batch(2, business=bosporus)
    scans(bosporus, days_ago=2, count=4)
    BusinessFactory(name="Somewhere")

    browser_sign_in(
        page, f"{live_server.url}{MAP_URL}", staff_user.email, totp=totp_turn_on(staff_user)
    )

    page.wait_for_selector("#business-map[data-ready=true]")
    page.wait_for_selector("#business-map[data-outlines=ready]")
    assert page.locator(".leaflet-overlay-pane svg path").count() > 100  # country outlines
    assert page.locator(".leaflet-tile").count() == 0  # no tile server configured
    assert page.locator(".marker-cluster").count() == 1
    assert "2" in page.locator(".marker-cluster").inner_text()
    assert "1 business has no location." in page.locator("main").inner_text()

    page.locator(".map-pin-suspended[title='Bosporus Büfe']").click()

    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert "Bosporus Büfe" in text
    assert "Suspended" in text
    assert popup.locator("[data-field=customers]").inner_text() == "2"
    assert popup.locator("[data-field=scans]").inner_text() == "4"
    assert popup.locator("a").get_attribute("href") == f"/console/businesses/{bosporus.pk}/"


# A 1×1 PNG, served for every tile.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def tile_server():
    """A local tile server on another origin than the live server (127.0.0.1 vs localhost)."""
    requested: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self):
            requested.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(PIXEL)))
            self.end_headers()
            self.wfile.write(PIXEL)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requested
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_configured_tile_server_draws_under_the_outlines(
    live_server, page, staff_user, tile_server
):
    origin, requested = tile_server
    assert not live_server.url.startswith(origin)
    located("Café Mitte", BERLIN)

    with override_settings(
        MAP_TILE_URL=origin + "/{z}/{x}/{y}.png", MAP_TILE_ATTRIBUTION="Local test tiles"
    ):
        browser_sign_in(
            page, f"{live_server.url}{MAP_URL}", staff_user.email, totp=totp_turn_on(staff_user)
        )
        page.wait_for_selector("#business-map[data-outlines=ready]")
        page.wait_for_selector(".leaflet-tile-loaded")

    assert requested  # tiles were fetched, and the page fixture saw no CSP violation
    assert "Local test tiles" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator(".leaflet-overlay-pane svg path").count() > 100


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_with_no_located_business_the_map_shows_the_world(live_server, page, staff_user):
    BusinessFactory(name="Somewhere")

    browser_sign_in(
        page, f"{live_server.url}{MAP_URL}", staff_user.email, totp=totp_turn_on(staff_user)
    )

    page.wait_for_selector("#business-map[data-outlines=ready]")
    assert page.locator(".leaflet-marker-icon").count() == 0
    assert page.evaluate("document.getElementById('business-map').dataset.ready") == "true"
    assert "0 businesses with a location." in page.locator("main").inner_text()

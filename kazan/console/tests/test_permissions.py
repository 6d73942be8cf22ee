"""Only platform staff reach the console: route by route, a business owner gets a 404 (like a
page that does not exist), someone signed out goes to the login page, and staff get the page."""

import re

import pytest

from kazan.console.models import Alert
from kazan.core.tests.routes import url_routes
from kazan.tenancy.models import Business

pytestmark = pytest.mark.django_db


def _console_routes() -> list[str]:
    return [route for route in url_routes() if route.startswith("console/")]


@pytest.fixture
def paths(business, staff_user):
    alert = Alert.objects.create(business=business, kind=Alert.Kind.INACTIVE_BUSINESS)
    from kazan.analytics.models import ExportJob

    job = ExportJob.objects.create(
        kind="businesses", format="csv", requested_by=staff_user, filters={}
    )
    values = {"business_id": business.pk, "alert_id": alert.pk, "export_id": job.pk}

    def fill(route: str) -> str:
        return "/" + re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: str(values[m.group(1)]), route)

    routes = _console_routes()
    assert len(routes) >= 15  # the walk really walks
    return [fill(route) for route in routes]


@pytest.mark.parametrize("method", ["get", "post"])
def test_business_owner_gets_404_on_every_console_route(client, owner, business, paths, method):
    client.force_login(owner)
    for path in paths:
        response = getattr(client, method)(path)
        assert response.status_code == 404, f"{method.upper()} {path} → {response.status_code}"
    business.refresh_from_db()
    assert business.status == Business.Status.ACTIVE
    assert Alert.objects.filter(resolved_at__isnull=True).count() == 1


@pytest.mark.parametrize("method", ["get", "post"])
def test_signed_out_visitor_is_sent_to_login_from_every_console_route(client, paths, method):
    for path in paths:
        response = getattr(client, method)(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/accounts/login/"), path


def test_staff_can_open_every_console_page(staff_client, paths):
    for path in paths:
        response = staff_client.get(path)
        # POST-only actions answer GET with 405; everything else is a page (or the file).
        assert response.status_code in (200, 405), f"GET {path} → {response.status_code}"
        assert response.status_code != 405 or path.endswith(
            (
                "/terms/",
                "/credits/",
                "/status/",
                "/plan-limits/",
                "/resolve/",
                "/alerts/settings/",
            )
        ), path


def test_staff_without_a_business_land_on_the_console_from_the_dashboard(staff_client):
    response = staff_client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"] == "/console/"

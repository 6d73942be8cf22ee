"""Operations: health check, request ids, security headers, error pages, JSON logs without PII."""

import json
import logging
import sys

import pytest
from django.test import override_settings

from kazan.core.logging import RedactPersonalDataFilter, RequestIdFilter, redact

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_unreachable_database(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_request_id_is_generated_and_echoed(client):
    response = client.get("/healthz")
    assert len(response["X-Request-ID"]) == 32


def test_sane_incoming_request_id_is_kept_and_junk_replaced(client):
    kept = client.get("/healthz", headers={"X-Request-ID": "abc-123-def-456"})
    assert kept["X-Request-ID"] == "abc-123-def-456"
    junk = client.get("/healthz", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert junk["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(junk["X-Request-ID"]) == 32


def test_security_headers_and_strict_csp(client):
    response = client.get("/no-such-page/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def test_unknown_page_gets_the_custom_404(client):
    response = client.get("/this/does/not/exist/")
    assert response.status_code == 404
    assert b"We could not find this page." in response.content
    assert response["X-Request-ID"].encode() in response.content


def test_unknown_api_route_answers_json_404(client):
    response = client.get("/hooks/nope")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@override_settings(DEBUG=False)
def test_server_error_page_is_custom_and_shows_the_reference(client):
    from django.urls import path

    from kazan import urls as root_urls

    def explode(request):
        raise RuntimeError("boom")

    client.raise_request_exception = False
    urlpatterns = [path("explode/", explode), *root_urls.urlpatterns]
    with override_settings(
        ROOT_URLCONF=type("U", (), {"urlpatterns": urlpatterns, "handler500": root_urls.handler500})
    ):
        response = client.get("/explode/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert response["X-Request-ID"].encode() in response.content


def test_disallowed_host_is_a_400_not_a_500(client):
    response = client.get("/healthz", HTTP_HOST="evil.example.com")
    assert response.status_code == 400


def test_log_records_are_json_with_request_id_and_no_personal_data(capsys):
    from pythonjsonlogger.json import JsonFormatter

    from kazan.core.logging import request_id_var

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(levelname)s %(message)s %(request_id)s"))
    handler.addFilter(RequestIdFilter())
    handler.addFilter(RedactPersonalDataFilter())
    logger = logging.getLogger("kazan.test.logging")
    logger.addHandler(handler)
    token = request_id_var.set("req-42-abcdef")
    try:
        logger.warning("sent to %s and %s", "+49 151 1234 5678", "anna@example.com")
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["request_id"] == "req-42-abcdef"
    assert "5678" not in line["message"] and "anna@" not in line["message"]
    assert line["message"] == "sent to [phone] and [email]"


def test_redact_keeps_ordinary_numbers():
    assert redact("order 12 of 2026 for 3 items") == "order 12 of 2026 for 3 items"


def test_api_docs_load_only_our_own_assets(client):
    response = client.get("/api/docs", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "https://" not in html and "http://" not in html.replace("http://testserver", "")


def test_request_query_strings_and_tracebacks_stay_out_of_the_logs():
    from django.conf import settings
    from django.test import RequestFactory

    from kazan.core.logging import RedactingJsonFormatter

    assert (
        settings.LOGGING["formatters"]["json"]["()"] == "kazan.core.logging.RedactingJsonFormatter"
    )
    formatter = RedactingJsonFormatter("%(levelname)s %(message)s")
    request = RequestFactory().get("/dashboard/customers/?q=Anna+Schmidt%40example.com")
    try:
        raise ValueError("no customer +4915112345678 / anna@example.com")
    except ValueError:
        record = logging.LogRecord(
            "django.request", logging.ERROR, __file__, 1, "Error: %s", ("/x",), sys.exc_info()
        )
    record.request = request
    line = json.loads(formatter.format(record))
    assert line["request"] == "GET /dashboard/customers/"
    assert "Anna" not in json.dumps(line)
    assert "5678" not in line["exc_info"] and "anna@" not in line["exc_info"]
    assert "ValueError" in line["exc_info"]


def test_logos_are_served_and_nothing_else_under_media(client, settings, tmp_path):
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "secret.txt").write_text("not public")
    name = default_storage.save("logos/cafe.png", ContentFile(b"\x89PNG\r\n\x1a\nfake"))

    response = client.get(f"/media/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for path in ("/media/secret.txt", "/media/logos/missing.png", "/media/logos/../secret.txt"):
        assert client.get(path).status_code == 404, path

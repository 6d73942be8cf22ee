"""Settings as a real process sees them: the production defaults (DEBUG off) are the safe ones,
`make run` (DEBUG=1, plain http) still works, and the public URL is the same in every process of
`make run` (honcho gives each process its own PORT)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)
# Variables these tests decide; everything else (data dir, keys) comes from the test process.
DECIDED = {
    "DEBUG",
    "KAZAN_TESTING",
    "PORT",
    "KAZAN_WEB_PORT",
    "KAZAN_PUBLIC_URL",
    "SECURE_COOKIES",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
}

PROBE = """
import json, django
django.setup()
from django.conf import settings
from kazan.campaigns.links import short_url, unsubscribe_url
names = [
    "DEBUG", "TESTING", "PUBLIC_URL", "SECURE_SSL_REDIRECT", "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
]
values = {name: getattr(settings, name) for name in names}
values["short_url"] = short_url("abcd2345")
values["unsubscribe_url"] = unsubscribe_url("t.o.k.en")
print(json.dumps(values))
"""


def _settings_in_process(**environment: str) -> dict:
    """The settings a fresh `manage.py`-like process computes from this environment."""
    env = {key: value for key, value in os.environ.items() if key not in DECIDED}
    env.update(environment, DJANGO_SETTINGS_MODULE="kazan.settings")
    result = subprocess.run(  # noqa: S603 (our own settings, fixed code)
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _make_run_environment() -> dict:
    """What the Makefile exports to every process `make run` starts (besides DEBUG)."""
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^export KAZAN_WEB_PORT$", makefile, re.MULTILINE)
    assert re.search(r"^KAZAN_WEB_PORT \?= \$\(PORT\)$", makefile, re.MULTILINE)
    return {"DEBUG": "1", "KAZAN_WEB_PORT": "8000"}


def test_production_defaults_are_the_safe_ones():
    production = _settings_in_process(DEBUG="0")
    assert production["DEBUG"] is False and production["TESTING"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert production["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production["SECURE_HSTS_PRELOAD"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["LANGUAGE_COOKIE_SECURE"] is True
    # a load balancer's health check over plain http is not redirected
    assert any(re.search(pattern, "healthz") for pattern in production["SECURE_REDIRECT_EXEMPT"])


def test_make_run_serves_plain_http_without_redirect_or_secure_cookies():
    development = _settings_in_process(**_make_run_environment(), PORT="8000")
    assert development["SECURE_SSL_REDIRECT"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
    assert development["SESSION_COOKIE_SECURE"] is False


def test_each_setting_can_still_be_chosen_explicitly():
    chosen = _settings_in_process(
        DEBUG="0",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_INCLUDE_SUBDOMAINS="0",
        SECURE_COOKIES="0",
    )
    assert chosen["SECURE_SSL_REDIRECT"] is False
    assert chosen["SECURE_HSTS_SECONDS"] == 600
    assert chosen["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert chosen["SESSION_COOKIE_SECURE"] is False


def test_public_url_is_the_same_in_the_web_server_the_worker_and_the_scheduler():
    """honcho gives the web server PORT=8000, the worker and the scheduler other ports; the
    links the worker writes into SMS must point at the web server, like the preview's."""
    make_run = _make_run_environment()
    web = _settings_in_process(**make_run, PORT="8000")
    worker = _settings_in_process(**make_run, PORT="8200")
    scheduler = _settings_in_process(**make_run, PORT="8300")
    assert web["PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert worker["PUBLIC_URL"] == scheduler["PUBLIC_URL"] == web["PUBLIC_URL"]
    # the campaign's tracked link and STOP link, built in the worker, equal the preview's
    assert worker["short_url"] == web["short_url"] == "http://127.0.0.1:8000/l/abcd2345"
    assert worker["unsubscribe_url"] == web["unsubscribe_url"]


def test_a_process_port_never_becomes_the_public_url():
    assert _settings_in_process(PORT="8200")["PUBLIC_URL"] == "http://127.0.0.1:8000"
    explicit = _settings_in_process(PORT="8200", KAZAN_PUBLIC_URL="https://kazan.example/")
    assert explicit["PUBLIC_URL"] == "https://kazan.example"
    assert explicit["short_url"] == "https://kazan.example/l/abcd2345"


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True, SECURE_HSTS_SECONDS=31536000)
def test_http_is_redirected_to_https_except_the_health_check(client, business):
    page = client.get(f"/{business.slug}/")
    assert page.status_code == 301
    assert page["Location"] == f"https://testserver/{business.slug}/"
    health = client.get("/healthz")
    assert health.status_code == 200
    secure = client.get(f"/{business.slug}/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
@override_settings(SESSION_COOKIE_SECURE=True)
def test_every_landing_cookie_is_secure_and_http_only(client, business):
    page = client.get(f"/{business.slug}/?lang=de", secure=True)
    chat = client.post(
        f"/{business.slug}/chat",
        json.dumps({"action": "start"}),
        content_type="application/json",
        secure=True,
    )
    cookies = {**page.cookies, **chat.cookies}
    for name in ("kz_visit", "kz_lang", "kz_chat"):
        assert cookies[name]["secure"] is True, name
        assert cookies[name]["httponly"] is True, name
        assert cookies[name]["samesite"] == "Lax", name
        assert cookies[name]["path"] == f"/{business.slug}/", name

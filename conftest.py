"""Root test configuration: settings for tests and the shared `business` / `member` fixtures."""

import os
import tempfile

os.environ.setdefault("KAZAN_TESTING", "1")
os.environ.setdefault("KAZAN_DATA_DIR", os.path.join(tempfile.gettempdir(), "kazan-test-data"))

import pytest


def pytest_collection_modifyitems(config, items):
    """`@pytest.mark.postgres` tests race writers against row locks; SQLite serializes every
    writer, so there is no race to prove there and they are skipped."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: SQLite serializes all writers")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in Redis (the cache) or the database (rolled back or flushed
    after each test); each test starts from zero."""
    from django.core.cache import cache

    from kazan.channels.queries import installation_address_cache_clear

    cache.clear()
    installation_address_cache_clear()
    yield
    cache.clear()
    installation_address_cache_clear()


@pytest.fixture(autouse=True)
def _plans_after_flush(request):
    """A transactional test (a live server, a concurrency test) starts from a flushed database:
    the plan catalog the data migration seeded is put back, since every FAQ, product and
    message asks the business's plan (decision 0033)."""
    marker = request.node.get_closest_marker("django_db")
    if (
        (marker is not None and marker.kwargs.get("transaction"))
        or "live_server" in request.fixturenames
        or "transactional_db" in request.fixturenames
    ):
        request.getfixturevalue("transactional_db")
        from kazan.billing.testing import plans_seed

        plans_seed()


@pytest.fixture
def business(db):
    from kazan.tenancy.tests.factories import BusinessFactory

    return BusinessFactory(slug="cafe-a", name="Café A")


@pytest.fixture
def other_business(db):
    from kazan.tenancy.tests.factories import BusinessFactory

    return BusinessFactory(slug="shop-b", name="Shop B")


@pytest.fixture
def owner(business):
    from kazan.tenancy.models import Role
    from kazan.tenancy.tests.factories import MembershipFactory

    return MembershipFactory(business=business, role=Role.OWNER).user


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def staff_user(db):
    from kazan.tenancy.tests.factories import UserFactory

    return UserFactory(is_staff=True)


# --- Browser tests: Playwright driving Debian's chromium (never Playwright's own download) ------

ARTIFACTS_DIR = os.path.join(os.path.dirname(__file__), "test-artifacts")
CHROMIUM = os.environ.get("KAZAN_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # between browser steps are ordinary synchronous ones.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context per test; a screenshot of the last state is kept as an artifact.
    Fails the test on any third-party request and on any Content Security Policy violation."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    tab = context.new_page()
    third_party: list[str] = []
    csp_violations: list[str] = []
    tab.on(
        "console",
        lambda msg: (
            csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None
        ),
    )
    tab.on(
        "request",
        lambda req: (
            third_party.append(req.url)
            if not req.url.startswith(("http://localhost", "http://127.0.0.1", "data:", "about:"))
            else None
        ),
    )
    yield tab
    os.makedirs(ARTIFACTS_DIR, exist_ok=True)
    tab.screenshot(path=os.path.join(ARTIFACTS_DIR, f"{request.node.name}.png"), full_page=True)
    context.close()
    assert not third_party, f"pages made third-party requests: {third_party}"
    assert not csp_violations, f"the Content Security Policy blocked something: {csp_violations}"


@pytest.fixture
def consent_wordings(db):
    """The seeded consent wordings, again: transactional tests flush the data migrations made."""
    import importlib

    from django.apps import apps

    seed = importlib.import_module("kazan.customers.migrations.0003_seed_sms_marketing_wording")
    seed.seed(apps, None)


@pytest.fixture
def fake_graph(settings):
    """The fake WhatsApp Graph API (a local server speaking its wire format), with the channel
    pointed at it: kazan.channels.providers.whatsapp.testing.FakeGraphApi."""
    from kazan.channels.providers.whatsapp.testing import FakeGraphApi

    with FakeGraphApi() as fake:
        settings.WHATSAPP_GRAPH_URL = fake.url
        yield fake


@pytest.fixture
def fake_bot_api(settings):
    """The fake Telegram Bot API (a local server speaking its wire format), with the channel
    pointed at it: kazan.channels.providers.telegram.testing.FakeBotApi."""
    from kazan.channels.providers.telegram.testing import FakeBotApi

    with FakeBotApi() as fake:
        settings.TELEGRAM_API_URL = f"{fake.url}/bot"
        settings.TELEGRAM_FILE_URL = f"{fake.url}/file/bot"
        yield fake

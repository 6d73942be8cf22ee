"""Kazan settings, from environment variables with safe defaults (README: configuration)."""

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("KAZAN_DATA_DIR", str(BASE_DIR / "var")))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_from_file(name: str, factory) -> str:
    """Generated once into the data directory so a fresh checkout runs, and never committed."""
    path = DATA_DIR / name
    if not path.exists():
        path.write_text(factory())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY") or _secret_from_file("secret_key", lambda: secrets.token_urlsafe(50))
# 32 random bytes, url-safe base64: the root of the PII encryption and blind-index keys.
PII_KEY = env("KAZAN_PII_KEY") or _secret_from_file("pii_key", lambda: secrets.token_urlsafe(32))

DEBUG = env_bool("DEBUG")
TESTING = env_bool("KAZAN_TESTING") or "pytest" in sys.modules
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],.localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Subdomain tenancy: <slug>.<KAZAN_BASE_DOMAIN> resolves the business.
BASE_DOMAIN = env("KAZAN_BASE_DOMAIN", "localhost")
# Absolute links (SMS, emails, webhook signatures) must be the same in every process: never
# derived from PORT, which a process manager (honcho) sets differently for the web server, the
# worker and the scheduler. `make run` exports KAZAN_WEB_PORT, the web server's port, to all.
PUBLIC_URL = env("KAZAN_PUBLIC_URL", f"http://127.0.0.1:{env('KAZAN_WEB_PORT', '8000')}").rstrip(
    "/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_tasks_db",
    "crontask",
    "django_htmx",
    "ninja",  # serves Swagger UI from our own static files, not a CDN
    "kazan.core",
    "kazan.accounts",
    "kazan.tenancy",
    "kazan.activity",
    "kazan.customers",
    "kazan.messaging",
    "kazan.channels",
    "kazan.loyalty",
    "kazan.analytics",
    "kazan.conversations",
    "kazan.faq",
    "kazan.webforms",
    "kazan.links",
    "kazan.wallet",
    "kazan.commerce",
    "kazan.agent",
    "kazan.crm",
    "kazan.inbox",
    "kazan.billing",
    "kazan.campaigns",
    "kazan.dashboard",
    "kazan.console",
    "kazan.demo",
]

MIDDLEWARE = [
    "kazan.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before CSRF, tenancy and every view: NUL and lone surrogates never get further.
    "kazan.core.middleware.InputTextMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "kazan.accounts.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "kazan.tenancy.middleware.TenantMiddleware",
    "kazan.core.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "kazan.urls"
WSGI_APPLICATION = "kazan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "kazan" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "kazan.tenancy.context_processors.tenant",
                "kazan.console.context_processors.console",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'kazan.sqlite3'}"),
        conn_max_age=int(env("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, the worker and the scheduler share one file.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory, so tests can start real worker processes against the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("KAZAN_CACHE_PREFIX", "kazan"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Landing-page visits and scans are counted in Redis and written in batches every minute
# (analytics.services.buffer, decision 0019). Tests count synchronously unless they turn it on.
ANALYTICS_BUFFER = env_bool("KAZAN_ANALYTICS_BUFFER", bool(REDIS_URL) and not TESTING)
# The FAQ engine (kazan.faq): the matcher's confidence from which an answer is given outright
# (below it, the visitor is asked "Did you mean …?"). How many FAQs, products and AI messages a
# business may have is its plan's (kazan.core.entitlements, decision 0033).
FAQ_ANSWER_CONFIDENCE = 0.5
# API requests per minute per user or API key (kazan/tenancy/api_limits.py, seed 002).
API_RATE_LIMIT_PER_MINUTE = int(env("KAZAN_API_RATE_LIMIT_PER_MINUTE", "30"))
# A web worker (kazan/wsgi.py only) loads the FAQ matcher's model in a background thread at
# start, so its first visitor question does not wait ~2 s for it.
FAQ_MODEL_PRELOAD = env_bool("KAZAN_FAQ_MODEL_PRELOAD", True)

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:home"
# A "forgot password" link works once (its hash covers the password) and for one hour.
PASSWORD_RESET_TIMEOUT = 3600
LOGOUT_REDIRECT_URL = "accounts:login"

# Production defaults are the safe ones: with DEBUG off, cookies are Secure, plain HTTP is
# redirected to HTTPS and browsers are told (HSTS) to use HTTPS only. `make run` (DEBUG=1, plain
# http on 127.0.0.1) and the tests (the test client speaks http) turn them off.
_HTTPS_DEFAULT = not DEBUG and not TESTING
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", _HTTPS_DEFAULT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Django's language cookie (/i18n/setlang/) and the landing page's own cookies (kz_chat,
# kz_visit, kz_lang: channels.web.views._cookie_set) follow the same switch.
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", _HTTPS_DEFAULT)
# A load balancer checks health over plain http on the internal network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# One year. Subdomains too: business subdomains (<slug>.KAZAN_BASE_DOMAIN) are served by this
# same app over HTTPS; turn off with SECURE_HSTS_INCLUDE_SUBDOMAINS=0 if the base domain has
# other, http-only hosts. Never preloaded: a preload listing cannot be undone quickly.
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000" if _HTTPS_DEFAULT else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None

from django.utils.csp import CSP  # noqa: E402

# Strict CSP: only our own origin, scripts by nonce; customer pages never reach a third party.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("tr", "Türkçe"),
    ("it", "Italiano"),
    ("es", "Español"),
]
LOCALE_PATHS = [BASE_DIR / "kazan" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Numbers in templates are grouped the active language's way ("1.561" in German, "1,561" in
# English). Machine values rendered into HTML (ids, years, page numbers) use |unlocalize.
USE_THOUSAND_SEPARATOR = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("KAZAN_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# A task still RUNNING after this long belongs to a dead worker and is put back in the queue.
TASK_LEASE_SECONDS = int(env("KAZAN_TASK_LEASE_SECONDS", "600"))
# Background tasks: PostgreSQL by default (`manage.py db_worker`), or Redis Queue when workers run
# on several machines (`KAZAN_TASKS_BACKEND=rq`, `manage.py rqworker --with-scheduler
# --job-class django_tasks_rq.Job --worker-class rq.worker.SimpleWorker default`; docs/scaling.md).
TASKS_BACKEND_RQ = "kazan.core.tasks_rq_backend.SharedClientRQBackend"
_tasks_backend = env("KAZAN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
if _tasks_backend in {"rq", "django_tasks_rq.RQBackend"}:
    _tasks_backend = TASKS_BACKEND_RQ  # the same, with one Redis client per process
TASKS: dict[str, dict[str, object]] = {"default": {"BACKEND": _tasks_backend}}
if _tasks_backend == TASKS_BACKEND_RQ:
    if not REDIS_URL:
        raise ImproperlyConfigured("KAZAN_TASKS_BACKEND=rq needs REDIS_URL")
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS["default"]["QUEUES"] = ["default"]
    # A job's time limit is the lease: RQ stops a job that runs longer and marks it failed; the
    # sweepers (outbox, inbound events, campaigns) pick up what it left unfinished.
    RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": TASK_LEASE_SECONDS}}
CRONTASK = {"REDIS_URL": REDIS_URL or None}

MAILERS = {
    "default": {"BACKEND": env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")}
}
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Kazan <no-reply@kazan.localhost>")

# Messaging providers (offline defaults).
SMS_PROVIDER = env("KAZAN_SMS_PROVIDER", "console")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN")
TWILIO_FROM_NUMBER = env("TWILIO_FROM_NUMBER")
TWILIO_MESSAGING_SERVICE_SID = env("TWILIO_MESSAGING_SERVICE_SID")
# Point the official SDK at another host (a local fake in tests, a regional edge in production).
TWILIO_BASE_URL = env("TWILIO_BASE_URL")
# WhatsApp Cloud API (kazan/channels/providers/whatsapp): the Graph API's base URL (a local fake
# in tests) and version, the messages per second one phone number may send (Meta's default
# throughput), the timeout of one Graph call and the largest inbound media file kept.
WHATSAPP_GRAPH_URL = env("KAZAN_WHATSAPP_GRAPH_URL", "https://graph.facebook.com")
WHATSAPP_API_VERSION = env("KAZAN_WHATSAPP_API_VERSION", "v23.0")
WHATSAPP_MESSAGES_PER_SECOND = int(env("KAZAN_WHATSAPP_MESSAGES_PER_SECOND", "80"))
WHATSAPP_TIMEOUT_SECONDS = float(env("KAZAN_WHATSAPP_TIMEOUT_SECONDS", "15"))
WHATSAPP_MEDIA_MAX_BYTES = int(env("KAZAN_WHATSAPP_MEDIA_MAX_BYTES", str(16 * 1024 * 1024)))
# Telegram Bot API (kazan/channels/providers/telegram): the API's base URL and the files' base
# URL, each followed by the bot token (a local fake in tests), the timeout of one call, Telegram's
# flood limits (messages per second per bot, and per chat), how long a sender waits for a slot
# before handing the message back to the outbox, the largest inbound file kept (getFile serves
# up to 20 MB) and how long a team member's one-time link to their own chat stays valid.
TELEGRAM_API_URL = env("KAZAN_TELEGRAM_API_URL", "https://api.telegram.org/bot")
TELEGRAM_FILE_URL = env("KAZAN_TELEGRAM_FILE_URL", "https://api.telegram.org/file/bot")
TELEGRAM_TIMEOUT_SECONDS = float(env("KAZAN_TELEGRAM_TIMEOUT_SECONDS", "15"))
TELEGRAM_MESSAGES_PER_SECOND = int(env("KAZAN_TELEGRAM_MESSAGES_PER_SECOND", "30"))
TELEGRAM_CHAT_MESSAGES_PER_SECOND = int(env("KAZAN_TELEGRAM_CHAT_MESSAGES_PER_SECOND", "1"))
# The per-chat rate is kept over windows of this many seconds: a reply of a few messages (a
# text, then its buttons) goes out at once, and a chat still gets at most one per second.
TELEGRAM_CHAT_WINDOW_SECONDS = int(env("KAZAN_TELEGRAM_CHAT_WINDOW_SECONDS", "3"))
TELEGRAM_THROUGHPUT_WAIT_SECONDS = float(env("KAZAN_TELEGRAM_THROUGHPUT_WAIT_SECONDS", "2.5"))
TELEGRAM_MEDIA_MAX_BYTES = int(env("KAZAN_TELEGRAM_MEDIA_MAX_BYTES", str(20 * 1024 * 1024)))
TELEGRAM_MEMBER_LINK_MINUTES = int(env("KAZAN_TELEGRAM_MEMBER_LINK_MINUTES", "30"))
OUTBOX_MAX_ATTEMPTS = int(env("KAZAN_OUTBOX_MAX_ATTEMPTS", "8"))
# A worker's claim on a message; longer than a provider call (15 s timeout) plus the rate wait.
# A row still `sending` after it belongs to a dead worker and is sent again (same idempotency key).
OUTBOX_LEASE_SECONDS = int(env("KAZAN_OUTBOX_LEASE_SECONDS", "120"))
# Retry after a transient provider error: base * 2^(attempt-1), half of it random, capped.
OUTBOX_BACKOFF_BASE_SECONDS = float(env("KAZAN_OUTBOX_BACKOFF_BASE_SECONDS", "15"))
OUTBOX_BACKOFF_MAX_SECONDS = float(env("KAZAN_OUTBOX_BACKOFF_MAX_SECONDS", "3600"))
# Sends per second across all workers (the provider's rate).
SMS_RATE_PER_SECOND = float(env("KAZAN_SMS_RATE_PER_SECOND", "10"))
# A Telegram broadcast's pace (seed 004 §3.4.4), below the bot's 30 msg/s so replies still flow.
CRM_BROADCAST_PER_SECOND = float(env("KAZAN_CRM_BROADCAST_PER_SECOND", "10"))

# Landing-page phone verification (SMS pumping guards: per phone, per IP, per business).
OTP_TTL_SECONDS = int(env("KAZAN_OTP_TTL_SECONDS", "600"))
OTP_MAX_ATTEMPTS = int(env("KAZAN_OTP_MAX_ATTEMPTS", "5"))
OTP_RESEND_COOLDOWN_SECONDS = int(env("KAZAN_OTP_RESEND_COOLDOWN_SECONDS", "60"))
OTP_LIMIT_PER_PHONE_PER_DAY = int(env("KAZAN_OTP_LIMIT_PER_PHONE_PER_DAY", "5"))
OTP_LIMIT_PER_IP_PER_HOUR = int(env("KAZAN_OTP_LIMIT_PER_IP_PER_HOUR", "10"))
OTP_LIMIT_PER_BUSINESS_PER_HOUR = int(env("KAZAN_OTP_LIMIT_PER_BUSINESS_PER_HOUR", "200"))
OTP_LIMIT_PER_BUSINESS_PER_DAY = int(env("KAZAN_OTP_LIMIT_PER_BUSINESS_PER_DAY", "1000"))

# Minutes during which the counter may undo a voucher redemption (a wrong code, a mis-tap).
VOUCHER_UNDO_MINUTES = max(int(env("KAZAN_VOUCHER_UNDO_MINUTES", "5")), 0)

# Payments for SMS packages: "manual" (staff confirm) or "stripe" (Checkout + signed webhook).
PAYMENT_GATEWAY = env("KAZAN_PAYMENT_GATEWAY", "manual")
# The currency the platform console reports revenue in (others are listed separately).
PLATFORM_CURRENCY = env("KAZAN_PLATFORM_CURRENCY", "EUR").upper()
# Days a manual payment may stay pending before the console counts it as overdue (a default).
PAYMENT_DUE_DAYS = int(env("KAZAN_PAYMENT_DUE_DAYS", "14"))
# Console exports: written here (never under MEDIA_ROOT), downloaded only through the staff view.
EXPORTS_DIR = Path(env("KAZAN_EXPORTS_DIR", str(DATA_DIR / "exports")))
EXPORT_RETENTION_DAYS = int(env("KAZAN_EXPORT_RETENTION_DAYS", "7"))
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET")
# Only for tests and local fakes: where the Stripe SDK sends its requests.
STRIPE_API_BASE = env("STRIPE_API_BASE")
# OxaPay (crypto invoices, kazan/billing/gateways/oxapay): the platform's merchant key, used for
# businesses that did not save their own. The API address is configurable for local fakes.
OXAPAY_API_URL = env("OXAPAY_API_URL", "https://api.oxapay.com").rstrip("/")
OXAPAY_MERCHANT_API_KEY = env("OXAPAY_MERCHANT_API_KEY")
# Invoices made in OxaPay's sandbox: nothing is really paid (for staging).
OXAPAY_SANDBOX = env_bool("OXAPAY_SANDBOX")
OXAPAY_TIMEOUT_SECONDS = float(env("KAZAN_OXAPAY_TIMEOUT_SECONDS", "15"))
# How long a payer has to pay an invoice, in minutes (OxaPay accepts 15 to 2880).
OXAPAY_INVOICE_LIFETIME_MINUTES = int(env("KAZAN_OXAPAY_INVOICE_LIFETIME_MINUTES", "60"))

# Razorpay (kazan/billing/gateways/razorpay): key id and secret of the platform's account, the
# webhook secret set in Razorpay's dashboard; the API address is configurable for local fakes.
RAZORPAY_KEY_ID = env("RAZORPAY_KEY_ID")
RAZORPAY_KEY_SECRET = env("RAZORPAY_KEY_SECRET")
RAZORPAY_WEBHOOK_SECRET = env("RAZORPAY_WEBHOOK_SECRET")
RAZORPAY_API_BASE = env("RAZORPAY_API_BASE")
# Razorpay's Checkout script, loaded only on the dashboard's payment page (never a customer page).
RAZORPAY_CHECKOUT_JS = env("RAZORPAY_CHECKOUT_JS", "https://checkout.razorpay.com/v1/checkout.js")

# Plans and subscriptions (kazan/billing, docs/decisions/0033-0035).
# Gateways a business may subscribe through, those configured: "stripe", "razorpay", "manual".
BILLING_GATEWAYS = [
    key.strip()
    for key in env("KAZAN_BILLING_GATEWAYS", "stripe,razorpay,manual").split(",")
    if key.strip()
]
# A new business's trial: its length and the plan whose limits it has meanwhile.
BILLING_TRIAL_DAYS = int(env("KAZAN_BILLING_TRIAL_DAYS", "14"))
BILLING_TRIAL_PLAN = env("KAZAN_BILLING_TRIAL_PLAN", "professional")
# Days past due before the business is suspended (the existing suspension rules apply).
BILLING_GRACE_DAYS = int(env("KAZAN_BILLING_GRACE_DAYS", "14"))
# Days after falling past due on which the owners get a reminder (0 = at once).
BILLING_DUNNING_DAYS = [
    int(day) for day in env("KAZAN_BILLING_DUNNING_DAYS", "0,3,7,12").split(",") if day.strip()
]
# Plans paid by bank transfer: the next period is invoiced this many days before it starts.
BILLING_RENEWAL_INVOICE_DAYS = int(env("KAZAN_BILLING_RENEWAL_INVOICE_DAYS", "7"))
# The seller printed on invoices, and its country (the home of its VAT).
SELLER_NAME = env("KAZAN_SELLER_NAME", "Kazan GmbH")
SELLER_ADDRESS = env("KAZAN_SELLER_ADDRESS", "Musterstraße 1\n10115 Berlin\nGermany")
SELLER_COUNTRY = env("KAZAN_SELLER_COUNTRY", "DE").upper()
SELLER_VAT_ID = env("KAZAN_SELLER_VAT_ID", "DE123456789")
INVOICE_PREFIX = env("KAZAN_INVOICE_PREFIX", "KZ")

# The shopping agent's LLM engine (kazan/agent/engines/llm.py): the platform's OpenAI-compatible
# chat-completions server, used by a business that chose the AI engine without its own server.
# Blank base URL: OpenAI's. No key: only businesses with their own key get the AI engine.
AGENT_LLM_BASE_URL = env("AGENT_LLM_BASE_URL")
AGENT_LLM_API_KEY = env("AGENT_LLM_API_KEY")
AGENT_LLM_MODEL = env("AGENT_LLM_MODEL", "gpt-4o-mini")
# Seconds one completion may take before the turn falls back to the built-in agent.
AGENT_LLM_TIMEOUT_SECONDS = float(env("AGENT_LLM_TIMEOUT_SECONDS", "20"))
# Rounds of tool calls in one turn before the model must answer.
AGENT_LLM_MAX_TOOL_ROUNDS = int(env("AGENT_LLM_MAX_TOOL_ROUNDS", "4"))
# A business's own server on a private or loopback address (a model on the same machine): only
# where the operator allows it, since the platform would otherwise reach its internal network.
AGENT_LLM_ALLOW_PRIVATE_URLS = env_bool("AGENT_LLM_ALLOW_PRIVATE_URLS", DEBUG or TESTING)

# Console map: the base map is a vendored country outline (offline). Optionally, a tile server
# as a Leaflet URL template, e.g. "https://tile.example.org/{z}/{x}/{y}.png"; the map page then
# allows images from its origin. The attribution is HTML shown in the map's corner.
MAP_TILE_URL = env("KAZAN_MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env("KAZAN_MAP_TILE_ATTRIBUTION", "")

LOG_LEVEL = env("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "kazan.core.logging.RequestIdFilter"},
        "redact": {"()": "kazan.core.logging.RedactPersonalDataFilter"},
    },
    "formatters": {
        "json": {
            "()": "kazan.core.logging.RedactingJsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_id", "redact"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "django.request": {"level": "ERROR" if TESTING else "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50

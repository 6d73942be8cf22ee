"""The JSON API under /api/v1 (OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs, linked
from /api/docs). Every error, whoever raises it, answers in one shape (kazan.core.api.ErrorOut)
through the handlers below; kazan.core.middleware gives the same shape to the errors raised
before a route runs (unknown paths, wrong methods, refused text)."""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.openapi.schema import OpenAPISchema

from kazan.core.errors import CoreErrorCode, ErrorCode, KazanError
from kazan.core.middleware import error_body, error_extra

DESCRIPTION = """
The JSON API of Kazan: a business's customers, SMS, vouchers and campaigns, for point-of-sale
systems, shop back-ends and scripts.

## Authentication

An owner creates API keys in the dashboard under **Team → API keys** (`/dashboard/team/`).
A key is shown once, when it is created; send it on every request:

    Authorization: Bearer kz_<prefix>_<secret>

A key acts for its own business only, with a manager's rights; the key alone says which
business that is. A request that also names a business, by an `X-Client-ID` header or a
`<slug>.<domain>` host, must name the key's own: another business's is refused with 403.
An unknown or revoked key is a 401. A key works while the business's plan includes API
access and its subscription is active: otherwise 403 `plan_feature_unavailable` or 402
`subscription_inactive`, with an `upgrade_url` (the widget's public client id and the
dashboard's session are not affected). A signed-in member of the business may instead call the
API with the dashboard's session cookie (and the `X-CSRFToken` header on writes), with the
rights of their role. `/accounts/me` accepts the session only.

Two kinds of routes authenticate differently:

- The website widget's (`POST /events`) name the business by its **public client id** alone:
  `X-Client-ID: <client id>` (Dashboard → Website widget) or a request to `<slug>.<domain>`.
  The id is not a secret: such routes only accept what a visitor may send, and are
  rate-limited per caller and per business.
- The platform staff's (`/console/...`) take a staff member's session, after the second
  factor (there are no staff API keys); anyone else gets 403, without a session 401.

## Errors

Every error answers JSON of one shape, whatever went wrong:

    {"code": "not_found", "message": "This campaign does not exist."}

`code` is stable for programs, `message` is for people (in the language of `Accept-Language`).
A 422 adds `errors`: one entry per invalid field with its location (`loc`) and reason (`msg`).
The statuses, with their usual codes:

- 400 `unreadable_body` (the body is not JSON), `invalid_text` (a NUL character or an unpaired
  surrogate anywhere in the input), or a business rule's own code (`invalid_phone`...);
- 401 `unauthorized`: no session and no valid API key;
- 402 `insufficient_credits`: the SMS credits do not cover it;
- 403 `forbidden` (the role may not), `wrong_business` (the request names another business
  than the key's), `csrf_failed` (a session write without its CSRF token);
- 404 `not_found`: unknown id or path (another business's ids are unknown too);
- 405 `method_not_allowed`;
- 409 `conflict`, `not_editable`, `voucher_redeemed`...: the object's state does not allow it;
- 422 `invalid` with `errors` (fields missing, of the wrong type or out of range), or a
  business rule's own code;
- 429 `rate_limited`: wait `Retry-After` seconds.

## Rate limits

The customers, catalog, orders, broadcasts and Telegram CRM (`/crm`) routes allow 30 requests a
minute per API key or signed-in user, and a daily number per business (10,000 unless agreed
otherwise). Every answer says where you stand: `X-RateLimit-Limit` (a minute's requests),
`X-RateLimit-Remaining`, `X-RateLimit-Reset` (seconds until the allowance renews),
`X-RateLimit-Daily-Limit` and
`X-RateLimit-Daily-Remaining`. Beyond them: 429 `rate_limited` with `Retry-After`.

## Conventions

- Lists are paged: `?page=` (1 to 1,000,000) and `?page_size=` (at most 100); the answer is
  `{"items": [...], "count": <total>}`.
- Timestamps are ISO 8601 text, e.g. `2026-05-01T09:30:00+02:00` (a UTC offset between -14:00
  and +14:00; without one, the server's time zone). Numbers are not timestamps.
- Phone numbers and emails are shown masked; the GDPR export is the only full copy.

## Inbound webhooks (for providers, not for API clients)

These are called by the providers themselves, outside `/api/v1`, and are listed under the
*webhooks* tag below only to document them (API keys do not apply). Each verifies the
provider's signature over the raw request before reading anything:

- `POST /hooks/stripe/`: Stripe events for Checkout (`checkout.session.completed`,
  `.async_payment_succeeded`, `.async_payment_failed`, `.expired`), signed in
  `Stripe-Signature` with `STRIPE_WEBHOOK_SECRET`. 200 for handled, repeated and ignored event
  types; 400 for a bad signature or a malformed event (which can never be applied, so Stripe
  shows it failing instead of it being silently dropped).
- `POST /hooks/twilio/status`: Twilio's SMS delivery reports, form-encoded, signed in
  `X-Twilio-Signature` with the account's auth token. 403 for a bad signature, 400 for a
  malformed report, 200 otherwise.
- `POST /hooks/twilio/inbound`: an SMS a customer sent to the Twilio number (opt-out words
  such as STOP withdraw marketing consent), signed like the status reports; answers empty TwiML.
- `GET/POST /hooks/whatsapp/{hook_key}/`: the WhatsApp Cloud API webhook, one URL per
  connected number (shown on the Channels page after connecting; `hook_key` only routes). GET:
  Meta's handshake with that number's verify token; POST: messages and statuses signed in
  `X-Hub-Signature-256` with that number's app secret, checked over the raw body before it is
  parsed. 403 for an unknown or disconnected key or a missing or wrong signature, 400 for a
  correctly signed body that is not JSON, 200 otherwise (changes naming another number are
  skipped).
- `POST /hooks/telegram/{hook_key}/`: the Telegram Bot API webhook, one URL per connected bot,
  set by Kazan with `setWebhook` when the bot is connected. Every update carries
  `X-Telegram-Bot-Api-Secret-Token` with that bot's secret (compared before the body is read).
  403 for an unknown or disconnected key, a missing or wrong secret or a body over 256 KB, 400
  for a body that is not JSON, 200 otherwise (an update is stored once per `update_id`).
"""


def _webhook(
    operation_id: str,
    summary: str,
    description: str,
    content_type: str,
    errors: dict[int, str],
    *,
    parameters: list[dict[str, object]] | None = None,
) -> dict[str, object]:
    """An OpenAPI path entry for an inbound webhook (documentation only: no ninja route)."""
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
    responses: dict[str, dict[str, object]] = {
        "200": {"description": "Accepted (also repeats and ignored event types)."}
    }
    for status, text in errors.items():
        responses[str(status)] = {"description": text, "content": error_content}
    entry: dict[str, object] = {
        "post": {
            "tags": ["webhooks"],
            "operationId": operation_id,
            "summary": summary,
            "description": description,
            "requestBody": {"required": True, "content": {content_type: {}}},
            "responses": responses,
        }
    }
    if parameters:
        entry["parameters"] = parameters
    return entry


# The inbound webhooks are plain Django views (kazan.billing.hook_urls, kazan.channels.urls);
# they are listed in the OpenAPI document so the providers' set-up is documented in one place.
WEBHOOK_PATHS = {
    "/hooks/stripe/": _webhook(
        "webhook_stripe",
        "Stripe Checkout events",
        "Signed in `Stripe-Signature` with `STRIPE_WEBHOOK_SECRET`. A verified event that is "
        "malformed (such as an id that is not a Stripe event id) is a 400: it can never be "
        "applied, and Stripe's dashboard then shows it failing.",
        "application/json",
        {400: "A missing or wrong signature, or a malformed event."},
    ),
    "/hooks/twilio/status": _webhook(
        "webhook_twilio_status",
        "Twilio SMS delivery reports",
        "Form-encoded, signed in `X-Twilio-Signature` with the account's auth token.",
        "application/x-www-form-urlencoded",
        {400: "A malformed report.", 403: "A missing or wrong signature."},
    ),
    "/hooks/twilio/inbound": _webhook(
        "webhook_twilio_inbound",
        "Twilio inbound SMS (opt-out words)",
        "Form-encoded, signed like the delivery reports; answers empty TwiML.",
        "application/x-www-form-urlencoded",
        {400: "A malformed message.", 403: "A missing or wrong signature."},
    ),
    "/hooks/whatsapp/{hook_key}/": _webhook(
        "webhook_whatsapp",
        "WhatsApp Cloud API messages and statuses",
        "One URL per connected number (the Channels page shows it after connecting). JSON "
        "signed in `X-Hub-Signature-256` (`sha256=` + HMAC-SHA256 of the raw body with that "
        "number's app secret), checked before the body is parsed; changes naming another "
        "number are skipped. `GET` with `hub.mode`, `hub.verify_token` (that number's) and "
        "`hub.challenge` is Meta's subscription handshake.",
        "application/json",
        {
            400: "A correctly signed body that is not JSON.",
            403: "An unknown or disconnected key, or a missing or wrong signature.",
        },
        parameters=[
            {
                "name": "hook_key",
                "in": "path",
                "required": True,
                "description": "The number's key, made on connecting (routing only).",
                "schema": {"type": "string"},
            }
        ],
    ),
    "/hooks/telegram/{hook_key}/": _webhook(
        "webhook_telegram",
        "Telegram Bot API updates",
        "One URL per connected bot, set with `setWebhook` on connecting. JSON `Update` "
        "objects carrying `X-Telegram-Bot-Api-Secret-Token` (that bot's secret, compared in "
        "constant time before the body is read); stored once per `update_id`.",
        "application/json",
        {
            400: "A body with the right secret that is not JSON.",
            403: "An unknown or disconnected key, a missing or wrong secret, or a too large body.",
        },
        parameters=[
            {
                "name": "hook_key",
                "in": "path",
                "required": True,
                "description": "The bot's key, made on connecting (routing only).",
                "schema": {"type": "string"},
            }
        ],
    ),
}


class KazanAPI(NinjaAPI):
    """Adds the inbound webhooks to the generated OpenAPI document."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["paths"].update(WEBHOOK_PATHS)
        return schema


api = KazanAPI(
    title="Kazan API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_extra={
        "tags": [
            {"name": "customers", "description": "The business's customers and their consent."},
            {"name": "messaging", "description": "SMS credits, sent messages, sending one SMS."},
            {"name": "vouchers", "description": "Checking and redeeming voucher codes."},
            {"name": "campaigns", "description": "SMS campaigns to consenting customers."},
            {
                "name": "faqs",
                "description": "The business's FAQs; /faqs/match answers a visitor's question.",
            },
            {"name": "forms", "description": "The contact form and what visitors sent."},
            {
                "name": "catalog",
                "description": "The shop's categories, products, variants, offers and import "
                "(30 requests a minute per key or user, a daily quota per business).",
            },
            {
                "name": "queue",
                "description": "Token orders and the order queue (seed 004): list, status, "
                "assign, cancel with refund, move, rerun, notes; the packages.",
            },
            {
                "name": "crm",
                "description": "The Telegram CRM's admin figures, users, their token balances "
                "and customer profiles (30 requests a minute per key or user, a daily quota).",
            },
            {"name": "accounts", "description": "The signed-in user (session only)."},
            {
                "name": "widget",
                "description": "The website widget's chat: settings, flow, turns, the team's "
                "replies (X-Client-ID: the publishable client id; no cookies).",
            },
            {
                "name": "analytics",
                "description": "The website widget's counted events and the daily figures.",
            },
            {
                "name": "console",
                "description": "Platform staff only (staff session after two-factor): clients.",
            },
            {"name": "webhooks", "description": "Inbound provider webhooks (see above)."},
        ]
    },
)


def _error(
    request: HttpRequest, status: int, *, code: ErrorCode | None = None, message=None, **extra
) -> HttpResponse:
    body = {**error_body(status, code=code, message=message), **extra}
    return api.create_response(request, body, status=status)


@api.exception_handler(KazanError)
def _domain_error(request: HttpRequest, exc: KazanError) -> HttpResponse:
    errors = getattr(exc, "errors", None)  # an Unprocessable's per-field errors
    extra = {"errors": errors} if isinstance(errors, list) and errors else {}
    return _error(
        request, exc.status, code=exc.code, message=exc.message, **extra, **error_extra(exc)
    )


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(
        request,
        422,
        code=CoreErrorCode.INVALID,
        message=_("Some of the data is not valid."),
        errors=exc.errors,
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request,
        401,
        code=CoreErrorCode.UNAUTHORIZED,
        message=_("Sign in, or send an API key: Authorization: Bearer <key>."),
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    response = _error(request, 429)
    if exc.wait:
        response["Retry-After"] = str(exc.wait)
    return response


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own errors: an unreadable body (400) and a session write without its CSRF
    token (403) are the ones it raises; anything else gets its status's generic answer."""
    if exc.status_code == 400:
        return _error(
            request,
            400,
            code=CoreErrorCode.UNREADABLE_BODY,
            message=_("The request body is not valid JSON."),
        )
    if exc.status_code == 403:
        return _error(
            request,
            403,
            code=CoreErrorCode.CSRF_FAILED,
            message=_("Send the X-CSRFToken header with the session cookie, or use an API key."),
        )
    return _error(request, exc.status_code)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404)


def _mount() -> None:
    from kazan.analytics.api import events_router
    from kazan.analytics.api import router as analytics_router
    from kazan.billing.api import router as billing_router
    from kazan.campaigns.api import router as campaigns_router
    from kazan.campaigns.api_broadcasts import router as broadcasts_router
    from kazan.channels.widget.api import router as widget_router
    from kazan.commerce.api_catalog import router as catalog_router
    from kazan.commerce.api_orders import router as orders_router
    from kazan.commerce.api_queue import router as queue_router
    from kazan.console.api import router as console_router
    from kazan.crm.api import router as crm_router
    from kazan.customers.api import router as customers_router
    from kazan.faq.api import router as faqs_router
    from kazan.loyalty.api import router as vouchers_router
    from kazan.messaging.api import router as messaging_router
    from kazan.tenancy.api import router as accounts_router
    from kazan.wallet.api import router as wallet_router
    from kazan.webforms.api import router as forms_router

    api.add_router("/accounts", accounts_router)
    api.add_router("/customers", customers_router)
    api.add_router("/messaging", messaging_router)
    api.add_router("/vouchers", vouchers_router)
    api.add_router("/campaigns", campaigns_router)
    api.add_router("/broadcasts", broadcasts_router)
    api.add_router("/widget", widget_router)
    api.add_router("/faqs", faqs_router)
    api.add_router("/forms", forms_router)
    api.add_router("/orders", orders_router)
    api.add_router("/queue", queue_router)
    api.add_router("/events", events_router)
    api.add_router("/analytics", analytics_router)
    api.add_router("/console", console_router)
    api.add_router("/catalog", catalog_router)
    api.add_router("/crm", crm_router)
    api.add_router("/wallet", wallet_router)
    api.add_router("/billing", billing_router)


_mount()

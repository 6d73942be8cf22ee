"""The landing page at /<slug>/ and its JSON chat endpoint. Thin: resolve the business (the
tenancy middleware reads the slug), parse and check the input, call conversations/services,
turn the engine's channel-neutral replies into JSON for static/landing/chat.js.

The visitor's conversation is found by a signed cookie scoped to the business's path, so a
reload resumes it and one business never sees another's cookie.
"""

import json
import re
from functools import partial
from typing import TYPE_CHECKING, TypedDict

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csp import get_nonce
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation.trans_real import parse_accept_lang_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from kazan.channels.chat_turn import (
    TEXT_MAX,
    chat_turn,
    chat_ui_strings,
    links_for_web,
    payload_problem,
)
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.web.services import landing_link_click, landing_visit_record
from kazan.channels.web.shell import shell_fill, shell_html, shell_key
from kazan.conversations.queries import conversation_for_handle
from kazan.conversations.services import conversation_language_set
from kazan.core.branding import white_label
from kazan.core.crypto import blind_index
from kazan.core.csrf import csrf_token
from kazan.core.errors import CoreErrorCode, ErrorCode, KazanError
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit
from kazan.core.views import page_not_found
from kazan.customers.normalize import language_normalize
from kazan.tenancy.http import TenantRequest

if TYPE_CHECKING:
    from kazan.tenancy.models import Business

CHANNEL = "web"
CHAT_COOKIE = "kz_chat"
CHAT_SALT = "kazan.landing.chat"
CHAT_COOKIE_AGE = 30 * 24 * 3600
VISIT_COOKIE = "kz_visit"
# A visit: reloads and returns within this time count once.
VISIT_SECONDS = 30 * 60
LANGUAGE_COOKIE = "kz_lang"
BODY_MAX_BYTES = 8 * 1024
CHAT_LIMIT_PER_IP = (60, 60)  # messages per window, seconds
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


def _path(business) -> str:
    return f"/{business.slug}/"


def _browser_language(request: HttpRequest) -> str:
    """The first supported language the browser asks for ("" if none)."""
    header = request.headers.get("Accept-Language", "")[:500]
    for language, _quality in parse_accept_lang_header(header):
        if code := language_normalize(language, strict=False):
            return code
    return ""


def _language(request: HttpRequest, business) -> str:
    """?lang= (the switcher) first, then the visitor's earlier choice, then the browser's
    language when we speak it (a tourist reads their own), else the business's."""
    for candidate in (request.GET.get("lang"), request.COOKIES.get(LANGUAGE_COOKIE)):
        if code := language_normalize(candidate[:8] if candidate else "", strict=False):
            return code
    return (
        _browser_language(request)
        or language_normalize(business.language, strict=False)
        or settings.LANGUAGE_CODE
    )


def _chat_key(request: HttpRequest, business) -> str | None:
    value = request.get_signed_cookie(
        CHAT_COOKIE, default=None, salt=f"{CHAT_SALT}:{business.pk}", max_age=CHAT_COOKIE_AGE
    )
    return value if isinstance(value, str) else None


def _unavailable(request: HttpRequest, business, language: str) -> HttpResponse:
    with translation.override(language):
        response = render(request, "landing/unavailable.html", {"business": business}, status=503)
    response["Retry-After"] = "3600"
    return response


def _fixed_social_links(business) -> list[dict]:
    from kazan.conversations.actions import social_links

    return links_for_web(business, [{"type": "links", "links": social_links(business)}])[0]["links"]


def _social_addresses(business) -> tuple[str, ...]:
    """What _fixed_social_links is made of, besides the slug and the language: the page's
    cache key, so a cached page's links are built only when it is rendered."""
    from kazan.conversations.actions import SOCIAL_NETWORKS

    return tuple(getattr(business, attribute, "") for attribute, _label in SOCIAL_NETWORKS.values())


@require_GET
@never_cache
def landing(request: TenantRequest, business_slug: str) -> HttpResponse:
    """The page is the same for every visitor of a business in a language (web.shell caches
    it); only the CSRF token the chat's POST needs (its cookie is set here, as
    ensure_csrf_cookie did) and the CSP nonce are the visitor's own."""
    business = request.business
    if business is None:
        return page_not_found(request)
    language = _language(request, business)
    if not business.is_active:
        return _unavailable(request, business, language)
    first_of_visit = VISIT_COOKIE not in request.COOKIES
    if first_of_visit:
        landing_visit_record(business=business, from_qr=request.GET.get("src") == "qr")
    key = _chat_key(request, business)
    if key and "lang" in request.GET:
        conversation = conversation_for_handle(business=business, channel=CHANNEL, handle=key)
        if conversation is not None:
            conversation_language_set(
                business=business, conversation=conversation, language=language
            )
    with translation.override(language):
        html = shell_html(
            shell_key(
                business,
                language,
                _social_addresses(business),
                white_label=white_label(business),
            ),
            "landing/page.html",
            lambda: _page_context(business, language, _fixed_social_links(business)),
        )
    nonce = get_nonce(request)  # lazy: generated (and sent in the header) once read
    response = HttpResponse(
        shell_fill(
            html, csrf_token=csrf_token(request), csp_nonce="" if nonce is None else str(nonce)
        )
    )
    if first_of_visit:
        _cookie_set(response, business, VISIT_COOKIE, "1", max_age=VISIT_SECONDS)
    if "lang" in request.GET and request.GET["lang"] in LANGUAGE_CODES:
        _cookie_set(response, business, LANGUAGE_COOKIE, language, max_age=CHAT_COOKIE_AGE)
    return response


def _page_context(business: "Business", language: str, links: list[dict]) -> dict:
    color = business.brand_color if _COLOR.match(business.brand_color or "") else "#1f7a5a"
    return {
        "business": business,
        "brand_color": color,
        "language": language,
        "languages": settings.LANGUAGES,
        "chat_url": reverse("landing:chat", kwargs={"business_slug": business.slug}),
        "social_links": links,
        "ui": chat_ui_strings(),
    }


def _cookie_set(
    response: HttpResponse, business, name: str, value: str, *, max_age: int, salt: str = ""
) -> None:
    """Every landing cookie the same way: scoped to the business's path, never readable by
    scripts, sent on top-level navigation only, and Secure whenever session cookies are
    (SECURE_COOKIES, on by default in production). `salt` signs the value."""
    cookie_set = partial(response.set_signed_cookie, salt=salt) if salt else response.set_cookie
    cookie_set(
        name,
        value,
        max_age=max_age,
        path=_path(business),
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _bad(message: str, status: int = 400, code: ErrorCode = CoreErrorCode.INVALID) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


class ChatInput(TypedDict):
    action: str
    text: str
    payload: dict[str, str | int | bool] | None


def _parse(request: HttpRequest) -> tuple[ChatInput | None, JsonResponse | None]:
    """The chat request's JSON, checked: (data, None) or (None, a 4xx with a clear message)."""
    if "application/json" not in request.headers.get("Content-Type", ""):
        return None, _bad(_("Send the message as JSON."), status=415)
    if len(request.body) > BODY_MAX_BYTES:
        return None, _bad(_("This message is too long."), status=413)
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, _bad(_("This is not valid JSON."))
    if not isinstance(data, dict):
        return None, _bad(_("The message must be a JSON object."))
    action = data.get("action", "message")
    if action not in ("start", "message"):
        return None, _bad(_("Unknown action."))
    text = data.get("text", "")
    # NUL and lone surrogates never get here (kazan.core.middleware.InputTextMiddleware).
    if not isinstance(text, str) or len(text) > TEXT_MAX:
        return None, _bad(_("The text must be at most %(max)d characters.") % {"max": TEXT_MAX})
    payload = data.get("payload")
    if problem := payload_problem(payload):
        return None, _bad(problem)
    if action == "message" and not text.strip() and not payload:
        return None, _bad(_("Please type an answer."))
    return ChatInput(action=action, text=text, payload=payload), None


@require_POST
@never_cache
def chat(request: TenantRequest, business_slug: str) -> JsonResponse:
    """POST JSON {"action": "start"} or {"text": "…"} / {"payload": {"value"|"choice"|"command":
    …}} → {"replies": [...]}. CSRF-protected by the middleware (X-CSRFToken header)."""
    business = request.business
    if business is None:
        return _bad(_("This page does not exist."), status=404, code=CoreErrorCode.NOT_FOUND)
    language = _language(request, business)
    with translation.override(language):
        if not business.is_active:
            return _bad(
                _("This page is currently unavailable."),
                status=503,
                code=ChannelsErrorCode.UNAVAILABLE,
            )
        data, error = _parse(request)
        if error is not None:
            return error
        if data is None:  # _parse gives one of the two
            return _bad(_("The message must be a JSON object."))
        try:
            ratelimit_hit(
                f"landing:chat:{blind_index(client_ip(request), scope='landing.ip')}",
                limit=CHAT_LIMIT_PER_IP[0],
                window_seconds=CHAT_LIMIT_PER_IP[1],
            )
            response = _chat_turn(request, business, data, language)
        except KazanError as failure:
            return _bad(str(failure.message), status=failure.status, code=failure.code)
    return response


def _chat_turn(
    request: HttpRequest, business: "Business", data: ChatInput, language: str
) -> JsonResponse:
    """One turn (channels.chat_turn) under the signed cookie's handle, which is set again (a
    new visitor gets one, an old one is refreshed)."""
    turn = chat_turn(
        business=business,
        channel=CHANNEL,
        key=_chat_key(request, business),
        action=data["action"],
        text=data["text"],
        payload=data["payload"],
        language=language,
        meta={"ip": client_ip(request), "user_agent": request.headers.get("User-Agent", "")},
    )
    response = JsonResponse({"replies": turn.replies, "completed": turn.completed})
    _cookie_set(
        response,
        business,
        CHAT_COOKIE,
        turn.key,
        max_age=CHAT_COOKIE_AGE,
        salt=f"{CHAT_SALT}:{business.pk}",
    )
    return response


@require_GET
@never_cache
def go(request: TenantRequest, business_slug: str, target: str) -> HttpResponse:
    """The counting redirect behind every social and Google review button."""
    business = request.business
    if business is None:
        return page_not_found(request)
    if not business.is_active:
        return _unavailable(request, business, _language(request, business))
    key = _chat_key(request, business)
    conversation = (
        conversation_for_handle(business=business, channel=CHANNEL, handle=key) if key else None
    )
    url = landing_link_click(
        business=business,
        target=target,
        customer=conversation.customer if conversation else None,
    )
    if url is None:
        return page_not_found(request)
    return redirect(url)

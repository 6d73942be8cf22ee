"""The website widget's API (/api/v1/widget/...), called by the widget's frame (served from
Kazan, so same-origin) with the business's publishable id in `X-Client-ID` (ClientKeyAuth).
No cookie and no session: the visitor's chat is named by a signed token the frame keeps in
memory, so these routes carry no ambient credentials and need no CSRF token.

Every input is checked by a schema (422) or by the shared chat rules (400); an inactive
business is a 503, a switched-off widget a 403; chats are rate-limited per IP and per client
id."""

from typing import Any, Literal

from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from kazan.analytics.enums import EventKind
from kazan.analytics.services import event_count
from kazan.channels.chat_turn import TEXT_MAX, chat_turn, live_replies, payload_problem
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.models import WidgetSettings
from kazan.channels.widget import presenters
from kazan.channels.widget.flow import WIDGET_CHANNEL
from kazan.channels.widget.queries import widget_origin_allowed, widget_settings_for
from kazan.channels.widget.rules import language_pick, origin_normalize
from kazan.channels.widget.tokens import TOKEN_MAX, preview_valid, session_read, session_sign
from kazan.conversations.flowstore import binding_for_channel, flow_for_channel
from kazan.core.api import responses
from kazan.core.crypto import blind_index
from kazan.core.errors import KazanError, PermissionDenied, ValidationFailed
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit
from kazan.core.schemas import InputSchema
from kazan.tenancy.api_auth import ClientKeyAuth

router = Router(tags=["widget"], auth=ClientKeyAuth())

# Turns per window: per visitor's address, and per business (all its visitors together).
CHAT_LIMIT_PER_IP = (60, 60)
CHAT_LIMIT_PER_CLIENT = (1200, 60)
LIVE_LIMIT_PER_IP = (120, 60)
PREVIEW_HEADER = "X-Widget-Preview"


class Unavailable(KazanError):
    code = ChannelsErrorCode.UNAVAILABLE
    status = 503
    default_message = _("This chat is currently unavailable.")


# --- schemas ---------------------------------------------------------------------------------


class VisitorIn(InputSchema):
    model_config = ConfigDict(extra="forbid")
    name: str = Field("", max_length=120)
    email: str = Field("", max_length=254)


class ChatIn(InputSchema):
    model_config = ConfigDict(extra="forbid")
    session: str | None = Field(None, max_length=TOKEN_MAX)
    action: Literal["start", "message"] = "message"
    text: str = Field("", max_length=TEXT_MAX)
    payload: dict[str, Any] | None = None
    visitor: VisitorIn | None = None
    language: str = Field("", max_length=16)
    # The host page's origin (the frame knows it): kept with a form sent from the chat as
    # evidence of where it was sent, when it is one of the business's allowed origins.
    origin: str = Field("", max_length=200)


class ChatOut(Schema):
    session: str
    replies: list[dict[str, Any]]
    completed: bool


class LiveOut(Schema):
    replies: list[dict[str, Any]]
    cursor: int
    with_person: bool


class LiveQuery(Schema):
    session: str = Field(..., min_length=1, max_length=TOKEN_MAX)
    after: int | None = Field(None, ge=0, le=2**62)
    language: str = Field("", max_length=16)


class SettingsQuery(Schema):
    language: str = Field("", max_length=16)


class SettingsOut(Schema):
    enabled: bool
    business: str
    language: str
    languages: list[str]
    color: str
    logo: str | None
    position: str
    greeting: str
    launcher_text: str
    offline_message: str
    proactive_message: str
    proactive_delay: int
    open_now: bool
    opening_hours: dict[str, list[list[str]]]
    whatsapp_url: str | None
    strings: dict[str, str]


class FlowOut(Schema):
    key: str
    name: str
    version: int
    start: str
    steps: dict[str, dict[str, Any]]
    order: list[str] | None = None


# --- helpers ---------------------------------------------------------------------------------


def _business_widget(request: HttpRequest) -> tuple[Any, WidgetSettings]:
    """The business and its widget; a switched-off widget answers nothing (but to the
    dashboard's preview, which carries its signed token)."""
    business = request.auth.business  # type: ignore[attr-defined]
    if not business.is_active:
        raise Unavailable()
    widget = widget_settings_for(business=business)
    if not widget.enabled and not preview_valid(business, request.headers.get(PREVIEW_HEADER, "")):
        raise PermissionDenied(
            _("The chat is not switched on for this website."),
            code=ChannelsErrorCode.WIDGET_DISABLED,
        )
    return business, widget


def _language(request: HttpRequest, business: Any, widget: WidgetSettings, asked: str) -> str:
    requested = asked or request.headers.get("Accept-Language", "")[:16].split(",")[0]
    return language_pick(requested, widget.languages, business.language)


def _limit(name: str, identity: str, limit: tuple[int, int]) -> None:
    ratelimit_hit(
        f"widget:{name}:{blind_index(identity, scope='widget.limit')}",
        limit=limit[0],
        window_seconds=limit[1],
    )


def _session_key(business: Any, token: str | None) -> str | None:
    if token is None:
        return None
    key = session_read(business, token)
    if key is None:
        raise ValidationFailed(
            _("This chat has expired. Please start again."),
            code=ChannelsErrorCode.SESSION_INVALID,
        )
    return key


# --- routes ----------------------------------------------------------------------------------


@router.get("/settings", response=responses(SettingsOut, 422, 503), summary="The widget's settings")
def widget_settings(request: HttpRequest, query: Query[SettingsQuery]) -> dict[str, Any]:
    """What the chat window shows: colours, logo, the texts in the visitor's language (the
    browser's when offered, else the business's), whether the team is in now, the hours, and
    every word of the chat's interface, translated."""
    business, widget = _business_widget(request)
    language = _language(request, business, widget, query.language)
    with translation.override(language):
        return presenters.settings_public(business=business, widget=widget, language=language)


@router.get("/flow", response=responses(FlowOut, 503), summary="The widget's flow (read-only)")
def widget_flow(request: HttpRequest) -> dict[str, Any]:
    """The rules and options of the flow bound to the widget channel (or to every channel),
    as stored: steps, their choices and where each leads. Read-only."""
    business, _widget = _business_widget(request)
    version = flow_for_channel(business=business, channel=WIDGET_CHANNEL)
    definition = version.definition
    return {
        "key": str(definition.get("key", "")),
        "name": binding_for_channel(business=business, channel=WIDGET_CHANNEL).flow.name,
        "version": version.number,
        "start": str(definition.get("start", "")),
        "steps": definition.get("steps", {}),
        "order": definition.get("order"),
    }


@router.post("/chat", response=responses(ChatOut, 400, 422, 429, 503), summary="A turn of the chat")
def widget_chat(request: HttpRequest, body: ChatIn) -> dict[str, Any]:
    """`{"action": "start"}` opens a chat (or shows a known session's history); `{"session",
    "text"}` or `{"session", "payload": {"value"|"choice"|"command"|"form": ...}}` answers.
    Returns the session token to send with the next turn, the bot's replies and whether the
    flow has finished. The first turn of a new chat counts as a chat started."""
    business, widget = _business_widget(request)
    language = _language(request, business, widget, body.language)
    with translation.override(language):
        if problem := payload_problem(body.payload):
            raise ValidationFailed(problem)
        if body.action == "message" and not body.text.strip() and not body.payload:
            raise ValidationFailed(_("Please type an answer."))
        _limit("chat:ip", client_ip(request), CHAT_LIMIT_PER_IP)
        _limit("chat:client", str(business.pk), CHAT_LIMIT_PER_CLIENT)
        key = _session_key(business, body.session)
        meta = {"ip": client_ip(request), "user_agent": request.headers.get("User-Agent", "")}
        if body.visitor is not None:
            # For the form step's prefill; never written to the log.
            meta.update(visitor_name=body.visitor.name, visitor_email=body.visitor.email)
        if body.origin and widget_origin_allowed(widget=widget, origin=body.origin):
            meta["origin"] = origin_normalize(body.origin) or ""
        turn = chat_turn(
            business=business,
            channel=WIDGET_CHANNEL,
            key=key,
            action=body.action,
            text=body.text,
            payload=body.payload,
            language=language,
            meta=meta,
        )
    if turn.started:
        event_count(business=business, kind=EventKind.CHAT_STARTED)
    return {
        "session": session_sign(business, turn.key),
        "replies": turn.replies,
        "completed": turn.completed,
    }


@router.get(
    "/chat/live", response=responses(LiveOut, 400, 422, 429, 503), summary="The team's replies"
)
def widget_chat_live(request: HttpRequest, query: Query[LiveQuery]) -> dict[str, Any]:
    """After a hand-off: the team's replies after message id `after` (without it: none, and
    the cursor to start from), and whether a person has the chat. Polled by the frame."""
    business, widget = _business_widget(request)
    with translation.override(_language(request, business, widget, query.language)):
        _limit("live:ip", client_ip(request), LIVE_LIMIT_PER_IP)
        key = _session_key(business, query.session)
    return live_replies(business=business, channel=WIDGET_CHANNEL, key=key, after=query.after)

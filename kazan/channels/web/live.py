"""The landing chat's live part: a person answers the visitor from the team inbox, and the
visitor's open chat shows it without a reload.

Short polling, not a stream: a visitor's phone may sit on the page for an hour, and a held
connection per visitor would take a server thread each (docs/decisions/0016). chat.js asks
every few seconds while a person has the thread and rarely otherwise. The visitor is found by
the chat's signed cookie (channels.web.views), so one can only read one's own thread.
"""

from django.http import JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from kazan.channels.chat_turn import live_replies
from kazan.channels.error_codes import ChannelsErrorCode
from kazan.channels.web.views import CHANNEL, _bad, _chat_key, _language
from kazan.core.crypto import blind_index
from kazan.core.errors import CoreErrorCode, RateLimited
from kazan.core.http import client_ip
from kazan.core.ratelimit import ratelimit_hit
from kazan.tenancy.http import TenantRequest

# Polls per window and IP: a visitor polls every 3 s at most (20 a minute), with room for a
# few tabs behind one address.
LIVE_LIMIT_PER_IP = (120, 60)


@require_GET
@never_cache
def chat_live(request: TenantRequest, business_slug: str) -> JsonResponse:
    """GET ?after=<message id> → {"replies": [...], "cursor": id, "with_person": bool}: the
    team's replies after that id (without `after`: none, and the cursor to start from)."""
    business = request.business
    if business is None:
        return _bad(_("This page does not exist."), status=404, code=CoreErrorCode.NOT_FOUND)
    with translation.override(_language(request, business)):
        if not business.is_active:
            return _bad(
                _("This page is currently unavailable."),
                status=503,
                code=ChannelsErrorCode.UNAVAILABLE,
            )
        raw_after = request.GET.get("after")
        if raw_after is not None and not (raw_after.isascii() and raw_after.isdigit()):
            return _bad(_("This is not a valid position in the chat."))
        try:
            ratelimit_hit(
                f"landing:live:{blind_index(client_ip(request), scope='landing.ip')}",
                limit=LIVE_LIMIT_PER_IP[0],
                window_seconds=LIVE_LIMIT_PER_IP[1],
            )
        except RateLimited as failure:
            return _bad(str(failure.message), status=failure.status, code=failure.code)
        data = live_replies(
            business=business,
            channel=CHANNEL,
            key=_chat_key(request, business),
            after=None if raw_after is None else int(raw_after[:18]),
        )
    return JsonResponse(data)
